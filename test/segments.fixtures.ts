import { Client } from 'pg';
import type { MemberFacts } from '@app/segments';
import { segmentExamples } from '../bench/lib/segments-examples';

/**
 * Writes members given as evaluator facts into the real tables (members, aggregates, events,
 * line_users, products/catalog_events), so one population feeds both the SQL and the evaluator.
 * Returns members.id by externalId.
 */
export async function loadPopulation(
  sql: Client,
  workspaceId: string,
  people: MemberFacts[],
  catalog: Array<{ sku: string; kind: string; occurredAt: Date }> = [],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const q = (text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> =>
    sql.query(text, values);
  for (const p of people) {
    const m = p.member;
    const { rows } = await q(
      `INSERT INTO members (workspace_id, external_id, gender, birth_date, prefecture_code, occupation, membership_tier,
         points_balance, registered_at, marketing_consent, attributes)
       VALUES ($1, $2, $3::member_gender, $4::date, $5, $6, $7, $8, $9, $10, $11) RETURNING id::text AS id`,
      [
        workspaceId,
        m.externalId,
        m.gender,
        m.birthDate,
        m.prefectureCode,
        m.occupation,
        m.membershipTier,
        m.pointsBalance,
        m.registeredAt?.toISOString() ?? null,
        m.marketingConsent,
        JSON.stringify(m.attributes),
      ],
    );
    const id = rows[0].id as string;
    ids.set(m.externalId ?? id, id);
    if (p.aggregates !== null) {
      const a = p.aggregates;
      await q(
        `INSERT INTO member_aggregates (member_id, workspace_id, purchase_count, total_spent, first_purchase_at,
           last_purchase_at, last_cart_add_at, last_cart_activity_at, cart_open, event_count, last_event_at)
         VALUES ($1, $2, COALESCE($3, 0), COALESCE($4, 0), $5, $6, $7, $8, COALESCE($9, false), COALESCE($10, 0), $11)`,
        [
          id,
          workspaceId,
          a.purchaseCount,
          a.totalSpent,
          a.firstPurchaseAt?.toISOString() ?? null,
          a.lastPurchaseAt?.toISOString() ?? null,
          a.lastCartAddAt?.toISOString() ?? null,
          a.lastCartActivityAt?.toISOString() ?? null,
          a.cartOpen,
          a.eventCount,
          a.lastEventAt?.toISOString() ?? null,
        ],
      );
    }
    for (const [i, e] of p.events.entries()) {
      await q(
        `INSERT INTO events (workspace_id, member_id, event_id, type, name, occurred_at, amount, sku, properties)
         VALUES ($1, $2, $3, $4::event_type, $5, $6, $7, $8, $9)`,
        [
          workspaceId,
          id,
          `${id}-${i}`,
          e.type,
          e.name,
          e.occurredAt.toISOString(),
          e.amount,
          e.sku,
          JSON.stringify(e.properties),
        ],
      );
    }
    for (const [i, u] of p.lineUsers.entries()) {
      await q(
        `INSERT INTO line_users (workspace_id, channel_id, line_user_id, following, blocked_at, member_id, link_method,
           rich_menu_actual)
         VALUES ($1, $2, $3, $4, $5, $6, $7::line_link_method, $8)`,
        [
          workspaceId,
          u.channelId,
          `U${id}x${i}`,
          u.following,
          u.blockedAt?.toISOString() ?? null,
          id,
          u.linkMethod,
          u.richMenuId,
        ],
      );
    }
  }
  for (const [i, c] of catalog.entries()) {
    const { rows } = await q(
      `INSERT INTO products (workspace_id, sku, name) VALUES ($1, $2, $2)
       ON CONFLICT (workspace_id, sku) DO UPDATE SET name = EXCLUDED.name RETURNING id::text AS id`,
      [workspaceId, c.sku],
    );
    await q(
      `INSERT INTO catalog_events (workspace_id, product_id, sku, kind, created_at)
       VALUES ($1, $2, $3, $4::catalog_event_kind, $5)`,
      [workspaceId, rows[0].id, c.sku, c.kind, new Date(c.occurredAt.getTime() + i).toISOString()],
    );
  }
  return ids;
}

/** A member with nothing known, to override field by field. */
export function person(externalId: string, over: Partial<MemberFacts['member']> = {}): MemberFacts {
  return {
    member: {
      id: '',
      externalId,
      gender: null,
      birthDate: null,
      prefectureCode: null,
      occupation: null,
      membershipTier: null,
      pointsBalance: null,
      registeredAt: null,
      marketingConsent: null,
      attributes: {},
      ...over,
    },
    aggregates: null,
    events: [],
    lineUsers: [],
    catalogEvents: [],
  };
}

/**
 * The aggregates row ingestion would have kept for these events (members lib: counts and sums
 * add up, times merge), for fixtures that give only events; null without events.
 */
export function withIngestAggregates(p: MemberFacts): MemberFacts {
  if (p.aggregates !== null || p.events.length === 0) return p;
  const at = (types: string[], pick: (a: number, b: number) => number): Date | null => {
    const ts = p.events.filter((e) => types.includes(e.type)).map((e) => e.occurredAt.getTime());
    return ts.length === 0 ? null : new Date(ts.reduce((x, y) => pick(x, y)));
  };
  const purchases = p.events.filter((e) => e.type === 'purchase');
  const lastPurchaseAt = at(['purchase'], Math.max);
  const lastCartAddAt = at(['cart_add'], Math.max);
  return {
    ...p,
    aggregates: {
      purchaseCount: purchases.length,
      totalSpent: purchases.reduce((s, e) => s + (e.amount ?? 0), 0),
      firstPurchaseAt: at(['purchase'], Math.min),
      lastPurchaseAt,
      lastCartAddAt,
      lastCartActivityAt: at(['cart_add', 'cart_remove', 'checkout_start'], Math.max),
      cartOpen: lastCartAddAt !== null && (lastPurchaseAt === null || lastCartAddAt > lastPurchaseAt),
      eventCount: p.events.length,
      lastEventAt: at(
        p.events.map((e) => e.type),
        Math.max,
      ),
    },
  };
}

/** The examples of the source documents, written as rules exactly as a marketer would. */
export const EXAMPLES = segmentExamples({ employee: 'company_employee', partTime: 'part_time' });
