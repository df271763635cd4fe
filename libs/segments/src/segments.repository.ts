import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { SegmentEntity } from './entities/segment.entity';
import { SegmentVersionEntity } from './entities/segment-version.entity';
import { SegmentSnapshotEntity } from './entities/segment-snapshot.entity';
import type { Rule } from './rules/rule.types';
import type { FrozenRule } from './rules/frozen-rule';
import type { CustomAttributeTypes } from './rules/schema-map';
import type { CompiledRule } from './rules/rule.compiler';
import { countSqls, snapshotPageSql } from './rules/segment-query';
import { SegmentsException } from './segments.exception';

export interface SegmentFields {
  name: string;
  description: string | null;
  channelId: string;
  rules: Rule;
}

/** Statement limits of segment queries (SET LOCAL in their transaction). */
export const SEGMENT_QUERY_LIMITS = {
  previewTimeoutMs: 10_000,
  snapshotTimeoutMs: 120_000,
  /** Hashed subplans of event conditions keep 1M member ids in memory. */
  workMem: '128MB',
  randomPageCost: '1.1',
  /** Serial plans: see guarded(). */
  maxParallelWorkersPerGather: '0',
} as const;

const isTimeout = (e: unknown): boolean => (e as { code?: string }).code === '57014';

/** All I/O of segments: saved segments, versions, snapshots, and the compiled rule queries. */
@Injectable()
export class SegmentsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(SegmentEntity) private readonly segments: Repository<SegmentEntity>,
    @InjectRepository(SegmentSnapshotEntity) private readonly snapshots: Repository<SegmentSnapshotEntity>,
  ) {}

  /**
   * Runs segment SQL in a transaction with its own statement timeout and work_mem, so that no
   * rule, however strange, runs away with the database.
   */
  async guarded<T>(timeoutMs: number, fn: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (em) => {
        // jit off: compiling a segment query's expressions took ~100 ms of a preview (cost above
        // jit_above_cost on 1M members) and never paid back within the query. random_page_cost:
        // the member/line-user indexes are in memory, so an ordered index scan costs about what a
        // sequential read does; the planner then merges the members' primary key with the
        // reachable-users index (rows already in member order, no hash, no sort) instead of
        // hashing all of line_users. No parallel workers: a parallel count could only hash the
        // 630k reachable users (PostgreSQL 15 has no parallel right hash join) and hands out the
        // members index a page at a time to processes that wait for each other; serial, the count
        // merges members and reachable users in id order, 2-4x faster on the shared 2-core
        // server, and a preview no longer takes three backends (docs/segments.md, round 14).
        await em.query(
          `SELECT set_config('statement_timeout', $1, true), set_config('work_mem', $2, true),
                  set_config('jit', 'off', true), set_config('random_page_cost', $3, true),
                  set_config('max_parallel_workers_per_gather', $4, true)`,
          [
            String(timeoutMs),
            SEGMENT_QUERY_LIMITS.workMem,
            SEGMENT_QUERY_LIMITS.randomPageCost,
            SEGMENT_QUERY_LIMITS.maxParallelWorkersPerGather,
          ],
        );
        return fn(em);
      });
    } catch (e) {
      const cause = (e as { driverError?: unknown }).driverError ?? e;
      if (isTimeout(cause)) throw SegmentsException.timeout(timeoutMs);
      throw e;
    }
  }

  /**
   * Runs whichever of equivalent statements the planner estimates cheapest (an EXPLAIN of each,
   * about a millisecond apiece), for shapes it cannot weigh against each other inside one
   * statement (the two segment counts: segment-query.ts, countByProbeSql).
   */
  async cheapest<T>(em: EntityManager, statements: readonly string[], params: unknown[]): Promise<T[]> {
    return em.query<T[]>(statements[await this.cheapestIndex(em, statements, params)], params);
  }

  /** Members matching a compiled rule, and of those the reachable ones, in the cheaper count shape. */
  async countMembers(c: CompiledRule, timeoutMs: number): Promise<{ matching: number; reachable: number }> {
    return this.guarded(timeoutMs, async (em) => {
      const [row] = await this.cheapest<{ matching: number; reachable: number }>(em, countSqls(c), c.params.values);
      return row;
    });
  }

  /** Which of equivalent statements the planner estimates cheapest (see cheapest). */
  async cheapestIndex(em: EntityManager, statements: readonly string[], params: unknown[]): Promise<number> {
    let best = 0;
    if (statements.length > 1) {
      let bestCost = Infinity;
      for (const [i, statement] of statements.entries()) {
        const [plan] = await em.query<Array<{ 'QUERY PLAN': Array<{ Plan: { 'Total Cost': number } }> }>>(
          `EXPLAIN (FORMAT JSON) ${statement}`,
          params,
        );
        const cost = plan['QUERY PLAN'][0].Plan['Total Cost'];
        if (cost < bestCost) {
          bestCost = cost;
          best = i;
        }
      }
    }
    return best;
  }

  find(workspaceId: string, id: string): Promise<SegmentEntity | null> {
    return this.segments.findOne({ where: { workspaceId, id, deletedAt: IsNull() } });
  }

  list(workspaceId: string): Promise<SegmentEntity[]> {
    return this.segments.find({ where: { workspaceId, deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /** Current rules of live segments by id (for `segment` references). */
  async rulesOf(workspaceId: string, ids: string[]): Promise<Map<string, Rule>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<Array<{ id: string; rules: Rule }>>(
      `SELECT id, rules FROM segments WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL`,
      [workspaceId, ids],
    );
    return new Map(rows.map((r) => [r.id, r.rules]));
  }

  /** Live segments whose rules refer to a segment (a delete would break them). */
  async referencing(workspaceId: string, id: string): Promise<string[]> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM segments WHERE workspace_id = $1 AND deleted_at IS NULL AND id <> $2
         AND jsonb_path_exists(rules, '$.** ? (@.segment == $id)', jsonb_build_object('id', $2::text))`,
      [workspaceId, id],
    );
    return rows.map((r) => r.id);
  }

  /** The lowest and highest member id of a workspace (two probes of its (workspace_id, id) index), null if it has none. */
  async memberIdBounds(workspaceId: string): Promise<{ min: bigint; max: bigint } | null> {
    const [row] = await this.db.query<Array<{ min: string | null; max: string | null }>>(
      `SELECT min(id)::text AS min, max(id)::text AS max FROM members WHERE workspace_id = $1`,
      [workspaceId],
    );
    return row.min === null || row.max === null ? null : { min: BigInt(row.min), max: BigInt(row.max) };
  }

  async customAttributeTypes(workspaceId: string): Promise<CustomAttributeTypes> {
    const rows = await this.db.query<Array<{ key: string; type: CustomAttributeTypes[string] }>>(
      `SELECT key, type::text AS type FROM member_attribute_definitions WHERE workspace_id = $1`,
      [workspaceId],
    );
    return Object.fromEntries(rows.map((r) => [r.key, r.type]));
  }

  async create(workspaceId: string, f: SegmentFields): Promise<SegmentEntity> {
    return this.db.transaction(async (em) => {
      const segment = await em.save(em.create(SegmentEntity, { workspaceId, ...f, version: 1 }));
      await em.insert(SegmentVersionEntity, { segmentId: segment.id, version: 1, name: f.name, rules: f.rules });
      return segment;
    });
  }

  /** Saves a change; a change of name or rules is a new version. */
  async update(workspaceId: string, id: string, f: SegmentFields, newVersion: boolean): Promise<void> {
    await this.db.transaction(async (em) => {
      const current = await em.findOne(SegmentEntity, {
        where: { workspaceId, id },
        lock: { mode: 'pessimistic_write' },
      });
      if (current === null) throw SegmentsException.notFound(id);
      const version = newVersion ? current.version + 1 : current.version;
      await em.update(
        SegmentEntity,
        { workspaceId, id },
        {
          ...f,
          version,
          ...(newVersion || f.channelId !== current.channelId
            ? { countMatching: null, countReachable: null, countAudience: null, countedAt: null }
            : {}),
        },
      );
      if (newVersion) await em.insert(SegmentVersionEntity, { segmentId: id, version, name: f.name, rules: f.rules });
    });
  }

  async softDelete(workspaceId: string, id: string): Promise<void> {
    await this.segments.update({ workspaceId, id }, { deletedAt: new Date() });
  }

  async saveCount(
    workspaceId: string,
    id: string,
    version: number,
    counts: { matching: number; reachable: number; audience: number },
  ): Promise<void> {
    // Only if the rules did not change meanwhile (the count belongs to that version).
    await this.segments.update(
      { workspaceId, id, version },
      {
        countMatching: counts.matching,
        countReachable: counts.reachable,
        countAudience: counts.audience,
        countedAt: new Date(),
      },
    );
  }

  versions(workspaceId: string, id: string): Promise<SegmentVersionEntity[]> {
    return this.db
      .getRepository(SegmentVersionEntity)
      .createQueryBuilder('v')
      .innerJoin(SegmentEntity, 's', 's.id = v.segment_id AND s.workspace_id = :workspaceId', { workspaceId })
      .where('v.segment_id = :id', { id })
      .orderBy('v.version', 'ASC')
      .getMany();
  }

  /** The data source's manager: statements outside any transaction of the caller's. */
  manager(): EntityManager {
    return this.db.manager;
  }

  /** A snapshot's row (size 0: its members are written after it, by the caller, in `em`). */
  async insertSnapshot(
    em: EntityManager,
    workspaceId: string,
    segment: Pick<SegmentEntity, 'id' | 'version'>,
    channelId: string,
    rules: FrozenRule,
    evaluatedAt: Date,
  ): Promise<string> {
    const [{ id }] = await em.query<Array<{ id: string }>>(
      `INSERT INTO segment_snapshots (workspace_id, segment_id, segment_version, channel_id, rules, size, evaluated_at)
       VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id`,
      [workspaceId, segment.id, segment.version, channelId, JSON.stringify(rules), evaluatedAt.toISOString()],
    );
    return id;
  }

  findSnapshot(workspaceId: string, id: string): Promise<SegmentSnapshotEntity | null> {
    return this.snapshots.findOne({ where: { workspaceId, id } });
  }

  /** A page of a snapshot's members after `afterMemberId` (keyset on member id across its chunks). */
  async snapshotMembers(
    workspaceId: string,
    snapshotId: string,
    afterMemberId: string | null,
    limit: number,
  ): Promise<Array<{ memberId: string; lineUserId: string | null }>> {
    const rows = await this.db.query<Array<{ member_id: string; line_user_id: string | null }>>(
      `SELECT p.member_id::text AS member_id, p.line_user_id::text AS line_user_id
         FROM (${snapshotPageSql('$2::uuid', '$3::bigint', '$4::int')}) p
        WHERE EXISTS (SELECT 1 FROM segment_snapshots s WHERE s.id = $2 AND s.workspace_id = $1)`,
      [workspaceId, snapshotId, afterMemberId ?? '0', limit],
    );
    return rows.map((r) => ({ memberId: r.member_id, lineUserId: r.line_user_id }));
  }
}
