import { CompiledRule } from './rule.compiler';
import { TABLES as T } from './schema-map';

/**
 * The statements built around a compiled rule. `restrict` adds the default audience filter
 * (linked to a following, unblocked LINE user of the channel, `$2`); `r` is that member's
 * line_users row on the channel (one at most: unique (channel_id, member_id)).
 */
const L = T.lineUsers;
/** Matches the partial index ix_line_users_reachable (following, unblocked, linked). */
const reachableOn = `r.${L.channelId} = $2::uuid AND r.${L.memberId} = m.${T.members.id} AND r.${L.following} AND r.${L.blockedAt} IS NULL AND r.${L.memberId} IS NOT NULL`;

/** The compiled member range (one part of a split count) on a member-id column, or nothing. */
const inRange = (c: CompiledRule, col: string): string =>
  c.range === undefined ? '' : ` AND ${col} >= ${c.range.lo} AND ${col} < ${c.range.hi}`;

/** The aggregates row `a` of the member, when the rule reads it. */
function aggregatesJoin(c: CompiledRule): string {
  return c.usesAggregates
    ? `LEFT JOIN ${T.aggregates.table} a ON a.${T.aggregates.memberId} = m.${T.members.id}${inRange(c, `a.${T.aggregates.memberId}`)} `
    : '';
}

const matchingWhere = (c: CompiledRule): string =>
  `WHERE m.${T.members.workspaceId} = $1::uuid${inRange(c, `m.${T.members.id}`)} AND ${c.where}`;

/**
 * restrict: only reachable members (inner join on the reachable index); otherwise every
 * matching member, with the channel's line user (any state) when there is one.
 */
function from(c: CompiledRule, restrict: boolean): string {
  const join = restrict
    ? `JOIN ${L.table} r ON ${reachableOn}`
    : `LEFT JOIN ${L.table} r ON r.${L.channelId} = $2::uuid AND r.${L.memberId} = m.${T.members.id}`;
  return `FROM ${T.members.table} m ${aggregatesJoin(c)}${join} ${matchingWhere(c)}`;
}

/**
 * The channel's reachable users in member order, planned on their own (OFFSET 0 keeps the
 * subquery from being flattened). Flattened into the count's LEFT JOIN, `channel_id = $2` sits
 * on the nullable side, where PostgreSQL 15 does not let a constant make the index's first column
 * redundant: ix_line_users_reachable (channel_id, member_id) then does not count as member
 * ordered, so a merge join sorted all 630k users first and the planner hashed them instead.
 * Planned alone, the index-only scan is in member order and the count merges it with the
 * members (also read in id order): no hash and no sort of either side (docs/segments.md, Speed,
 * round 14).
 */
const reachableUsers = (c: CompiledRule): string =>
  `(SELECT ${L.id}, ${L.memberId} FROM ${L.table} WHERE ${L.channelId} = $2::uuid AND ${L.following} AND ${L.blockedAt} IS NULL AND ${L.memberId} IS NOT NULL${inRange(c, L.memberId)} ORDER BY ${L.memberId} OFFSET 0)`;

/**
 * matching (rule only) and reachable (rule and reachable on LINE), merging the matching members
 * with all of the channel's reachable users: the cheaper shape when many members match.
 */
export function countSql(c: CompiledRule): string {
  return `SELECT count(*)::int AS matching, count(r.${L.id})::int AS reachable FROM ${T.members.table} m ${aggregatesJoin(c)}LEFT JOIN ${reachableUsers(c)} r ON r.${L.memberId} = m.${T.members.id} ${matchingWhere(c)}`;
}

/**
 * The same counts probing the reachable index once per matching member: the cheaper shape when
 * few match (the merge reads all reachable users of the channel, 630k in the bench, for 2,405
 * matching favourites). The fenced subquery of countSql cannot be probed, so the two shapes are
 * two statements and the planner's estimate picks one (SegmentsRepository.cheapest).
 */
export function countByProbeSql(c: CompiledRule): string {
  return `SELECT count(*)::int AS matching, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${L.table} r WHERE ${reachableOn}))::int AS reachable FROM ${T.members.table} m ${aggregatesJoin(c)}${matchingWhere(c)}`;
}

/** Both shapes of the count, for the planner to choose from. */
export function countSqls(c: CompiledRule): string[] {
  return [countSql(c), countByProbeSql(c)];
}

/** A few audience members, lowest ids first (stable). `limit` is a validated integer. */
export function sampleSql(c: CompiledRule, restrict: boolean, limit: number): string {
  return `SELECT m.${T.members.id}::text AS member_id, m.external_id AS external_id, r.${L.id}::text AS line_user_id ${from(c, restrict)} ORDER BY m.${T.members.id} LIMIT ${Math.trunc(limit)}`;
}

/** The audience as member ids (the hand-written comparison in the bench uses the same shape). */
export function audienceSql(c: CompiledRule, restrict: boolean): string {
  return `SELECT m.${T.members.id} AS member_id, r.${L.id} AS line_user_id ${from(c, restrict)}`;
}

/**
 * One keyset page of the audience: member ids after `afterRef` (`$n::bigint`), ascending, at most
 * `limit`. With `restrict` the cursor is repeated on the LINE side of the join: PostgreSQL carries
 * equalities across a join but not ranges, so the merge join otherwise read the channel's
 * line_users from the first member on every page (page k read k pages of them: 640 ms instead of
 * 28 ms for a page at the middle of a 1M audience).
 */
export function audiencePageSql(
  c: CompiledRule,
  restrict: boolean,
  afterRef: string,
  limit: number,
  untilRef: string | null = null,
): string {
  const until = untilRef === null ? '' : ` AND m.${T.members.id} <= ${untilRef}`;
  const lineSide = restrict
    ? ` AND r.${L.memberId} > ${afterRef}${untilRef === null ? '' : ` AND r.${L.memberId} <= ${untilRef}`}`
    : '';
  return `${audienceSql(c, restrict)} AND m.${T.members.id} > ${afterRef}${until}${lineSide} ORDER BY m.${T.members.id} LIMIT ${Math.trunc(limit)}`;
}

/** Members per snapshot chunk (SegmentSnapshotChunkEntity): a chunk is ~80 KB of each array. */
export const SNAPSHOT_CHUNK = 10_000;

const INSERT_CHUNKS_SQL = `INSERT INTO segment_snapshot_chunks (snapshot_id, first_member_id, last_member_id, size, member_ids, line_user_ids)`;

/**
 * Set-based snapshot write: the audience never passes through Node. Members are numbered in id
 * order and cut into chunks of SNAPSHOT_CHUNK; `snapshotRef` is `$n::uuid`. Returns one row,
 * `size`: the members written (the INSERT's row count is the chunks').
 */
export function snapshotInsertSql(c: CompiledRule, restrict: boolean, snapshotRef: string): string {
  return `WITH chunks AS (
    ${INSERT_CHUNKS_SQL}
    SELECT ${snapshotRef}, min(a.member_id), max(a.member_id), count(*)::int,
           array_agg(a.member_id ORDER BY a.member_id), array_agg(a.line_user_id ORDER BY a.member_id)
      FROM (SELECT m.${T.members.id} AS member_id, r.${L.id} AS line_user_id,
                   (row_number() OVER (ORDER BY m.${T.members.id}) - 1) / ${SNAPSHOT_CHUNK} AS k
            ${from(c, restrict)}) a
     GROUP BY a.k
    RETURNING size)
  SELECT coalesce(sum(size), 0)::int AS size FROM chunks`;
}

/**
 * What a snapshot's reader does with a page in the statement that adds it: CTEs (`name AS (…)`,
 * comma-separated) that may read `whole (ids, lus, n)`, the page as arrays in member order, and a
 * select list added to the statement's one row.
 */
export interface FillExtension {
  ctes: string;
  select: string;
}

/**
 * The next page of an open snapshot (SegmentSnapshotsService.open): the audience members after
 * `afterRef` (`$n::bigint`), at most `limit`, added as chunks, and the snapshot's size moved on.
 * Returns one row, `size`: the members added (fewer than `limit`: the snapshot is complete, or,
 * with `untilRef`, complete up to that member id).
 */
export function snapshotFillSql(
  c: CompiledRule,
  restrict: boolean,
  snapshotRef: string,
  afterRef: string,
  limit: number,
  then: FillExtension = { ctes: '', select: '' },
  untilRef: string | null = null,
): string {
  // The page as two arrays in member order, cut into chunks by slicing. The aggregates read the
  // keyset query itself, whose ORDER BY is their input order (PostgreSQL's documented way to feed
  // an aggregate sorted input) and which the index scans already return in member order: no sort
  // at all. Materialised first and sorted again (PostgreSQL does not know a CTE's order), building
  // the arrays of a 50,000-member page took 65–70 ms of backend CPU instead of 35–37 ms.
  return `WITH whole AS (
    SELECT array_agg(member_id) AS ids, array_agg(line_user_id) AS lus, count(*)::int AS n
      FROM (${audiencePageSql(c, restrict, afterRef, limit, untilRef)}) sorted),
  chunks AS (
    ${INSERT_CHUNKS_SQL}
    SELECT ${snapshotRef}, w.ids[i * ${SNAPSHOT_CHUNK} + 1], w.ids[least((i + 1) * ${SNAPSHOT_CHUNK}, w.n)],
           least(${SNAPSHOT_CHUNK}, w.n - i * ${SNAPSHOT_CHUNK}),
           w.ids[i * ${SNAPSHOT_CHUNK} + 1 : (i + 1) * ${SNAPSHOT_CHUNK}], w.lus[i * ${SNAPSHOT_CHUNK} + 1 : (i + 1) * ${SNAPSHOT_CHUNK}]
      FROM whole w CROSS JOIN LATERAL generate_series(0, (w.n - 1) / ${SNAPSHOT_CHUNK}) AS i
     WHERE w.n > 0
    RETURNING size),
  grown AS (
    UPDATE segment_snapshots SET size = size + (SELECT coalesce(sum(size), 0) FROM chunks) WHERE id = ${snapshotRef}
  )${
    then.ctes === ''
      ? ''
      : `,
  ${then.ctes}`
  }
  SELECT (SELECT coalesce(sum(size), 0) FROM chunks)::int AS size${then.select === '' ? '' : `, ${then.select}`}`;
}

/**
 * One keyset page of a snapshot: `member_id`, `line_user_id` after `afterRef` (`$n::bigint`),
 * ascending, at most `limitRef` (`$n::int`). Only the chunks the page needs are unnested: in key
 * order, those starting before `limit + SNAPSHOT_CHUNK` members have been passed (the first chunk
 * may hold up to a chunk of members at or before the cursor, so that many more are taken).
 */
export function snapshotPageSql(snapshotRef: string, afterRef: string, limitRef: string): string {
  return `SELECT u.member_id, u.line_user_id
    FROM (SELECT first_member_id FROM (
            SELECT first_member_id, sum(size) OVER (ORDER BY first_member_id) - size AS before
              FROM segment_snapshot_chunks WHERE snapshot_id = ${snapshotRef} AND last_member_id > ${afterRef}) w
          WHERE w.before < (${limitRef})::bigint + ${SNAPSHOT_CHUNK}) k
    JOIN segment_snapshot_chunks c ON c.snapshot_id = ${snapshotRef} AND c.first_member_id = k.first_member_id
    CROSS JOIN LATERAL unnest(c.member_ids, c.line_user_ids) AS u(member_id, line_user_id)
   WHERE u.member_id > ${afterRef}
   ORDER BY u.member_id LIMIT ${limitRef}`;
}

/** Whether one member is in the audience (rich-menu port, triggers that prefer SQL). */
export function memberTestSql(c: CompiledRule, restrict: boolean, memberRef: string): string {
  return `SELECT EXISTS (SELECT 1 ${from(c, restrict)} AND m.${T.members.id} = ${memberRef}) AS hit`;
}

/** Which of some members (`membersRef` is `$n::bigint[]`) are in the audience. */
export function membersInSql(c: CompiledRule, restrict: boolean, membersRef: string): string {
  return `SELECT m.${T.members.id}::text AS member_id ${from(c, restrict)} AND m.${T.members.id} = ANY(${membersRef})`;
}
