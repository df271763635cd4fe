/**
 * COPY text rows of the benchmark data set, shared by the ingestion benchmark's COPY floor and
 * the segment benchmark's loader, so both write the rows the HTTP API would have stored.
 */
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EventRecordInput, MemberRecord } from './dataset';

export const tsv = (v: string | number | boolean | null | undefined): string =>
  v === null || v === undefined
    ? '\\N'
    : String(v).replace(/[\\\t\n]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\\\'));

export const tsvLine = (fields: Array<string | number | boolean | null | undefined>): string =>
  fields.map(tsv).join('\t') + '\n';

/** Streams `total` rows made by `row(i)` into a COPY statement; returns the seconds it took. */
export async function copyRows(
  sql: Client,
  statement: string,
  total: number,
  row: (i: number) => string,
): Promise<number> {
  const t = process.hrtime.bigint();
  function* lines(): Generator<string> {
    for (let i = 0; i < total; i += 5_000) {
      let chunk = '';
      for (let k = i; k < Math.min(total, i + 5_000); k++) chunk += row(k);
      yield chunk;
    }
  }
  await pipeline(Readable.from(lines()), sql.query(copyFrom(statement)));
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/**
 * The same rows COPYed over `streams` connections at once (row i goes to stream i mod streams),
 * each from its own client to `url`; returns the seconds until the last one ended. A single
 * COPY keeps one backend busy; the API spreads its statements over the server's cores, so this
 * is the floor to compare it with on a multi-core server.
 */
export async function copyRowsParallel(
  url: string,
  statement: string,
  total: number,
  streams: number,
  row: (i: number) => string,
): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: streams }, async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    const t = process.hrtime.bigint();
    const per = Math.ceil(total / streams);
    await Promise.all(
      clients.map((c, s) =>
        copyRows(c, statement, Math.max(0, Math.min(per, total - s * per)), (k) => row(s * per + k)),
      ),
    );
    return Number(process.hrtime.bigint() - t) / 1e9;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

export const MEMBER_COPY_COLUMNS =
  'workspace_id, external_id, first_name, last_name, gender, birth_date, prefecture_code, postal_code, occupation, membership_tier, points_balance, registered_at, marketing_consent';

export const memberCopyFields = (workspaceId: string, m: MemberRecord): Array<string | number | boolean | null> => [
  workspaceId,
  m.externalId,
  m.firstName,
  m.lastName,
  m.gender,
  m.birthDate,
  m.prefecture,
  m.postalCode,
  m.occupation,
  m.membershipTier,
  m.pointsBalance,
  m.registeredAt,
  m.marketingConsent,
];

export const EVENT_COPY_COLUMNS = 'workspace_id, member_id, event_id, type, occurred_at, amount, sku, properties';

/** The columns ingestion derives from an event: amount and sku as libs/members stores them. */
export function eventCopyLine(workspaceId: string, e: EventRecordInput): string {
  const p = e.properties as { totalAmount?: number; price?: number; quantity?: number; delta?: number; sku?: string };
  const amount =
    e.type === 'purchase'
      ? p.totalAmount
      : e.type.startsWith('cart_')
        ? (p.price ?? 0) * (p.quantity ?? 1)
        : e.type === 'point_change'
          ? p.delta
          : null;
  const sku = e.type.startsWith('cart_') || e.type === 'favorite' ? p.sku : null;
  return tsvLine([
    workspaceId,
    Number(e.memberId.slice(1)) + 1,
    e.eventId,
    e.type,
    e.occurredAt,
    amount,
    sku,
    JSON.stringify(e.properties),
  ]);
}
