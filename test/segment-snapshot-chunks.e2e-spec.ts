import fc from 'fast-check';
import { createTestContext, TestContext } from '@app/testing';
import { SNAPSHOT_CHUNK, snapshotPageSql } from '@app/segments';

/**
 * Snapshots are stored as chunks of member ids (segment_snapshot_chunks). A page reads only the
 * chunks it needs, judged from their sizes; these tests check that judgement against the plain
 * answer (the ids after the cursor, ascending, cut at the limit) on layouts real snapshots reach:
 * full chunks, chunks thinned or emptied by erasure, cursors inside, between and past chunks.
 */
describe('snapshot chunks', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  const SNAP = '00000000-0000-4000-8000-00000000c0c0';

  /** Chunks as the snapshot writes them: ascending, non-overlapping, each ≤ SNAPSHOT_CHUNK. */
  const layout = fc
    .array(
      fc.record({
        size: fc.integer({ min: 1, max: SNAPSHOT_CHUNK }),
        gap: fc.integer({ min: 1, max: 5 }),
        // What erasure may have left of the chunk: all, some, or none of its members.
        kept: fc.oneof(fc.constant(1), fc.constant(0), fc.double({ min: 0.05, max: 1, noNaN: true })),
      }),
      { minLength: 0, maxLength: 6 },
    )
    .map((specs) => {
      let next = 1;
      return specs.map(({ size, gap, kept }, c) => {
        const all = Array.from({ length: size }, () => (next += gap));
        const ids = all.filter((_, i) => (i * 7919 + c) % 1000 < kept * 1000);
        return { first: all[0], last: all[all.length - 1], ids };
      });
    });

  const write = async (chunks: Array<{ first: number; last: number; ids: number[] }>): Promise<void> => {
    await ctx.sql.query(`DELETE FROM segment_snapshot_chunks WHERE snapshot_id = $1`, [SNAP]);
    for (const c of chunks) {
      await ctx.sql.query(
        `INSERT INTO segment_snapshot_chunks (snapshot_id, first_member_id, last_member_id, size, member_ids, line_user_ids)
         VALUES ($1, $2, $3, $4, $5::bigint[], (SELECT coalesce(array_agg(-x), '{}') FROM unnest($5::bigint[]) AS x))`,
        [SNAP, c.first, c.last, c.ids.length, c.ids],
      );
    }
  };

  const page = async (after: number, limit: number): Promise<Array<[number, number]>> => {
    const { rows } = await ctx.sql.query<{ member_id: string; line_user_id: string }>(
      snapshotPageSql('$1::uuid', '$2::bigint', '$3::int'),
      [SNAP, after, limit],
    );
    return rows.map((r) => [Number(r.member_id), Number(r.line_user_id)]);
  };

  it('returns exactly the members after the cursor, ascending, up to the limit, with their LINE users', async () => {
    await fc.assert(
      fc.asyncProperty(
        layout,
        fc.array(fc.tuple(fc.double({ min: 0, max: 1.05, noNaN: true }), fc.integer({ min: 1, max: 25_000 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (chunks, asks) => {
          await write(chunks);
          const all = chunks.flatMap((c) => c.ids);
          const top = chunks.length === 0 ? 10 : chunks[chunks.length - 1].last;
          for (const [at, limit] of asks) {
            const after = Math.floor(at * top);
            const want = all.filter((id) => id > after).slice(0, limit);
            expect(await page(after, limit)).toEqual(want.map((id) => [id, -id]));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('walks a whole snapshot page by page, every member once', async () => {
    const chunks = [
      { first: 1, last: SNAPSHOT_CHUNK, ids: Array.from({ length: SNAPSHOT_CHUNK }, (_, i) => i + 1) },
      { first: SNAPSHOT_CHUNK + 1, last: 2 * SNAPSHOT_CHUNK, ids: [] },
      {
        first: 2 * SNAPSHOT_CHUNK + 1,
        last: 4 * SNAPSHOT_CHUNK,
        ids: Array.from({ length: SNAPSHOT_CHUNK }, (_, i) => 2 * SNAPSHOT_CHUNK + 1 + 2 * i),
      },
      { first: 5 * SNAPSHOT_CHUNK, last: 5 * SNAPSHOT_CHUNK + 3, ids: [5 * SNAPSHOT_CHUNK + 3] },
    ];
    await write(chunks);
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const rows = await page(after, 3_333);
      seen.push(...rows.map(([id]) => id));
      if (rows.length < 3_333) break;
      after = rows[rows.length - 1][0];
    }
    expect(seen).toEqual(chunks.flatMap((c) => c.ids));
  });

  it('erasing members removes them from every snapshot, several from one chunk in one statement', async () => {
    const [{ id: ws }] = (
      await ctx.sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('w') RETURNING id`)
    ).rows;
    const [{ id: ch }] = (
      await ctx.sql.query<{ id: string }>(
        `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
         VALUES ($1, 'c', '1', 's', 't') RETURNING id`,
        [ws],
      )
    ).rows;
    const [{ id: seg }] = (
      await ctx.sql.query<{ id: string }>(
        `INSERT INTO segments (workspace_id, channel_id, name, rules) VALUES ($1, $2, 's', '{}') RETURNING id`,
        [ws, ch],
      )
    ).rows;
    const members = (
      await ctx.sql.query<{ id: string }>(
        `INSERT INTO members (id, workspace_id, external_id)
         SELECT 900000 + g, $1, 'm' || g FROM generate_series(1, 6) g RETURNING id::text`,
        [ws],
      )
    ).rows.map((r) => Number(r.id));
    const snaps: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [{ id }] = (
        await ctx.sql.query<{ id: string }>(
          `INSERT INTO segment_snapshots (workspace_id, segment_id, segment_version, channel_id, rules, size, evaluated_at)
           VALUES ($1, $2, 1, $3, '{}', 6, now()) RETURNING id`,
          [ws, seg, ch],
        )
      ).rows;
      snaps.push(id);
      // Two chunks: members 1–4 and 5–6 (their LINE users are the negated ids).
      for (const part of [members.slice(0, 4), members.slice(4)]) {
        await ctx.sql.query(
          `INSERT INTO segment_snapshot_chunks (snapshot_id, first_member_id, last_member_id, size, member_ids, line_user_ids)
           VALUES ($1, $2, $3, $4, $5::bigint[], (SELECT array_agg(-x ORDER BY x) FROM unnest($5::bigint[]) AS x))`,
          [id, part[0], part[part.length - 1], part.length, part],
        );
      }
    }
    await ctx.sql.query(`DELETE FROM members WHERE id = ANY($1::bigint[])`, [[members[1], members[2], members[5]]]);

    const { rows } = await ctx.sql.query<{
      snapshot_id: string;
      first: string;
      size: number;
      member_ids: string[];
      line_user_ids: string[];
    }>(
      `SELECT snapshot_id::text, first_member_id::text AS first, size, member_ids::text[], line_user_ids::text[]
         FROM segment_snapshot_chunks WHERE snapshot_id = ANY($1::uuid[]) ORDER BY snapshot_id, first_member_id`,
      [snaps],
    );
    const left = [members[0], members[3]];
    const expected = (snapshotId: string) => [
      {
        snapshot_id: snapshotId,
        first: String(members[0]),
        size: 2,
        member_ids: left.map(String),
        line_user_ids: left.map((x) => String(-x)),
      },
      {
        snapshot_id: snapshotId,
        first: String(members[4]),
        size: 1,
        member_ids: [String(members[4])],
        line_user_ids: [String(-members[4])],
      },
    ];
    expect(rows).toEqual([...snaps].sort().flatMap(expected));
  });
});
