import { snapshotPageSql } from '@app/segments';
import type { RunSource } from '../entities/campaign-run.entity';

/**
 * The SQL that lists a run's audience as `member_id`, ordered, one keyset page at a time:
 * `$1` is the workspace (the caller joins members on it), `$2` the cursor (last member id written), `$3` the page size; further
 * parameters are appended. Never loads the audience into the worker.
 */
export function audienceSql(source: RunSource, params: unknown[]): string {
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  switch (source.kind) {
    case 'members':
      return `SELECT m.id AS member_id FROM members m
              WHERE m.workspace_id = $1 AND m.external_id = ANY(${p(source.externalIds)}::text[]) AND m.id > $2
              ORDER BY m.id LIMIT $3`;
    case 'member':
      return `SELECT m.id AS member_id FROM members m
              WHERE m.workspace_id = $1 AND m.id = ${p(source.memberId)}::bigint AND m.id > $2 LIMIT $3`;
    case 'favourited':
      return `SELECT DISTINCT e.member_id FROM events e
              WHERE e.workspace_id = $1 AND e.type = 'favorite' AND e.sku = ${p(source.sku)} AND e.member_id > $2
              ${source.memberIds === undefined ? '' : `AND e.member_id = ANY(${p(source.memberIds)}::bigint[])`}
              ORDER BY e.member_id LIMIT $3`;
    case 'segment':
      if (source.snapshotId === undefined) throw new Error('segment run without a snapshot');
      // The page straight from the snapshot's chunks, in key order: the members join (workspace,
      // erased members) comes after the LIMIT, in the caller.
      return `SELECT s.member_id FROM (${snapshotPageSql(`${p(source.snapshotId)}::uuid`, '$2::bigint', '$3::int')}) s`;
  }
}
