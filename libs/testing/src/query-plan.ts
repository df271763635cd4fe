import type { Client } from 'pg';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every read of `table` in the plan, as "node type index" (a bitmap scan names its index in its child). */
function reads(node: PlanNode, table: string): string[] {
  const index =
    node['Index Name'] ?? (node.Plans ?? []).find((p) => p['Node Type'] === 'Bitmap Index Scan')?.['Index Name'];
  const own =
    node['Relation Name'] === table && node['Node Type'] !== 'ModifyTable'
      ? [`${node['Node Type']} ${index ?? ''}`.trim()]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap((p) => reads(p, table))];
}

/**
 * How the generic plan of a prepared statement (the plan a pooled connection keeps once it stops
 * planning each call) reads `table`, for `args` (SQL literals, in order): the distinct reads,
 * e.g. `Index Scan <primary key>`. Not executed (plain EXPLAIN).
 */
export async function genericPlanReads(
  sql: Client,
  statement: string,
  args: string[],
  table: string,
): Promise<string[]> {
  await sql.query(`SET plan_cache_mode = force_generic_plan`);
  await sql.query(`PREPARE lse_plan_probe AS ${statement}`);
  try {
    const { rows } = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (FORMAT JSON) EXECUTE lse_plan_probe(${args.join(', ')})`,
    );
    return [...new Set(reads(rows[0]['QUERY PLAN'][0].Plan, table))];
  } finally {
    await sql.query(`DEALLOCATE lse_plan_probe`);
    await sql.query(`RESET plan_cache_mode`);
  }
}

/** The name of the table's primary-key index. */
export async function primaryKeyIndex(sql: Client, table: string): Promise<string> {
  const { rows } = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = $1::regclass AND i.indisprimary`,
    [table],
  );
  return rows[0].name;
}
