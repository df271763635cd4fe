import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

const names = new Map<string, string>();

/** A name per statement text, the same in every process: `lse_` and 24 hex digits of its SHA-1. */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `lse_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs `text` as a named prepared statement and returns its rows: each pooled connection parses
 * and analyses it once. TypeORM's query() sends every statement unnamed, so each execution was
 * parsed, analysed and planned again: at 500 triggered sends a second, a third of PostgreSQL's CPU
 * went to that (perf), on the few set-based statements the delivery path repeats. For those
 * statements only: the text must be a constant (its hash is the name).
 *
 * After five executions PostgreSQL may keep a generic plan, which sees neither the parameters nor
 * how a table grew since it was made (until an ANALYZE invalidates it). So only for statements
 * whose every table access is a key lookup, written `unnest($n) AS k(id) JOIN t ON t.id = k.id`
 * rather than `t.id = ANY($n) AND t.other = $m` (whose generic plan intersected the key lookup with
 * an index scan of every row matching `other`). A statement whose right plan depends on a
 * table's size stays unnamed: reading a read's events by id, prepared, was planned as a hash
 * join over the whole events table while it was nearly empty, and kept that plan as the table
 * grew (11 ms per call at 11,500 events). Planning every execution instead
 * (`plan_cache_mode=force_custom_plan`) cost more than it saved: bench:triggers p50 doubled.
 *
 * With an EntityManager the statement runs on its transaction's connection; a manager outside a
 * transaction (no connection of its own) runs it on the pool.
 */
export async function preparedRows<T extends QueryResultRow>(
  on: DataSource | EntityManager,
  text: string,
  params: unknown[],
): Promise<T[]> {
  return rowsOf<T>(on, { name: statementName(text), text, values: params });
}

/**
 * The same unnamed (parsed and planned each time), for a statement whose right plan depends on a
 * table's size. Rows whatever the command (TypeORM's query() answers an UPDATE with [rows, count]).
 */
export async function unpreparedRows<T extends QueryResultRow>(
  on: DataSource | EntityManager,
  text: string,
  params: unknown[],
): Promise<T[]> {
  return rowsOf<T>(on, { text, values: params });
}

async function rowsOf<T extends QueryResultRow>(
  on: DataSource | EntityManager,
  query: { name?: string; text: string; values: unknown[] },
): Promise<T[]> {
  if (on instanceof DataSource) {
    const pool = (on.driver as unknown as { master: Pool }).master;
    return (await pool.query<T>(query)).rows;
  }
  const client = (on.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)?.databaseConnection;
  if (client === undefined) return rowsOf<T>(on.connection, query);
  return (await client.query<T>(query)).rows;
}
