/**
 * Loads the ingestion benchmark's deterministic data set (bench/lib/dataset.ts) into a kept
 * database for the segment benchmark — by COPY, not through HTTP, because only the queries are
 * under test and 10M events through the API take far longer. Adds what the data set lacks:
 * LINE users of one channel, aggregates (computed from the events), catalog changes.
 */
import { Client } from 'pg';
import { event, member, rng } from './dataset';
import {
  EVENT_COPY_COLUMNS,
  MEMBER_COPY_COLUMNS,
  copyRows,
  eventCopyLine,
  memberCopyFields,
  tsvLine,
} from './copy-rows';

export interface BenchIds {
  workspaceId: string;
  channelId: string;
}

/** Events of the data set end on 2026-04-26; the bench evaluates "now" just after. */
export const BENCH_NOW = new Date('2026-04-26T03:00:00Z');

export async function loadSegmentsDataset(
  sql: Client,
  members: number,
  events: number,
  log: (s: string) => void,
): Promise<BenchIds> {
  const t0 = Date.now();
  const step = (what: string): void => log(`  ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const ws = (
    await sql.query<{ id: string }>(
      `INSERT INTO workspaces (name, timezone) VALUES ('bench', 'Asia/Tokyo') RETURNING id`,
    )
  ).rows[0].id;
  const ch = (
    await sql.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
       VALUES ($1, 'bench', 'bench-channel', 's', 't') RETURNING id`,
      [ws],
    )
  ).rows[0].id;
  // Bulk load: no FK checks per row, indexes of events rebuilt once afterwards.
  await sql.query(`SET session_replication_role = replica`);
  const eventIndexes = (
    await sql.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'events' AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE 'PK_%'`,
    )
  ).rows;
  for (const ix of eventIndexes) await sql.query(`DROP INDEX ${ix.name}`);

  await copyRows(sql, `COPY members (id, ${MEMBER_COPY_COLUMNS}) FROM STDIN`, members, (i) =>
    tsvLine([i + 1, ...memberCopyFields(ws, member(i))]),
  );
  await sql.query(`SELECT setval(pg_get_serial_sequence('members', 'id'), $1)`, [members]);
  step(`${members} members`);

  await copyRows(sql, `COPY events (${EVENT_COPY_COLUMNS}) FROM STDIN`, events, (j) =>
    eventCopyLine(ws, event(j, members)),
  );
  step(`${events} events`);
  for (const ix of eventIndexes) await sql.query(ix.def);
  step('event indexes rebuilt');

  // 70 % of members linked to a LINE user of the channel; 90 % of those follow, some blocked.
  await copyRows(
    sql,
    `COPY line_users (workspace_id, channel_id, line_user_id, following, followed_at, blocked_at, member_id, linked_at, link_method) FROM STDIN`,
    members,
    (i) => {
      const r = rng(9_000_001 + i);
      if (r() >= 0.7) return '';
      const following = r() < 0.9;
      const blocked = !following && r() < 0.6;
      const at = new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 800 * 86400_000)).toISOString();
      const method = r() < 0.8 ? 'messaging_api' : 'line_login';
      return tsvLine([
        ws,
        ch,
        `U${(i + 1).toString(16).padStart(32, '0')}`,
        following,
        at,
        blocked ? at : null,
        i + 1,
        at,
        method,
      ]);
    },
  );
  step('line users');

  await sql.query(
    `INSERT INTO member_aggregates (member_id, workspace_id, event_count, purchase_count, total_spent, first_purchase_at,
       last_purchase_at, last_cart_add_at, last_cart_activity_at, cart_open, last_page_view_at, last_favorite_at,
       first_event_at, last_event_at)
     SELECT member_id, $1, count(*), count(*) FILTER (WHERE type = 'purchase'),
            COALESCE(sum(amount) FILTER (WHERE type = 'purchase'), 0),
            min(occurred_at) FILTER (WHERE type = 'purchase'), max(occurred_at) FILTER (WHERE type = 'purchase'),
            max(occurred_at) FILTER (WHERE type = 'cart_add'),
            max(occurred_at) FILTER (WHERE type IN ('cart_add', 'cart_remove', 'checkout_start')),
            COALESCE(max(occurred_at) FILTER (WHERE type = 'cart_add') >
                     COALESCE(max(occurred_at) FILTER (WHERE type = 'purchase'), '-infinity'), false),
            max(occurred_at) FILTER (WHERE type = 'page_view'), max(occurred_at) FILTER (WHERE type = 'favorite'),
            min(occurred_at), max(occurred_at)
       FROM events GROUP BY member_id`,
    [ws],
  );
  step('aggregates');

  // Restocks and price drops of 400 skus over the last 30 days.
  const r = rng(77);
  for (let k = 0; k < 400; k++) {
    const sku = `SKU${String(Math.floor(r() ** 2 * 20000)).padStart(5, '0')}`;
    const kind = r() < 0.5 ? 'back_in_stock' : 'price_drop';
    const at = new Date(BENCH_NOW.getTime() - Math.floor(r() * 30 * 86400_000)).toISOString();
    await sql.query(
      `WITH p AS (INSERT INTO products (workspace_id, sku, name) VALUES ($1, $2, $2)
                  ON CONFLICT (workspace_id, sku) DO UPDATE SET name = EXCLUDED.name RETURNING id)
       INSERT INTO catalog_events (workspace_id, product_id, sku, kind, created_at)
       SELECT $1, p.id, $2, $3::catalog_event_kind, $4 FROM p`,
      [ws, sku, kind, at],
    );
  }
  await sql.query(`SET session_replication_role = origin`);
  await sql.query(`VACUUM (ANALYZE) members, events, line_users, member_aggregates, catalog_events, products`);
  step('catalog, vacuum analyze');
  return { workspaceId: ws, channelId: ch };
}
