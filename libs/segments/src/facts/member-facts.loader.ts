import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MemberFacts } from '../rules/member-facts';
import { TABLES as T } from '../rules/schema-map';

/**
 * The tasks' results in order: at once, or one after the other (`serial`) when they share one
 * connection (a transaction's), which takes one query at a time.
 */
async function inTurn<T extends readonly unknown[]>(
  serial: boolean,
  tasks: { [K in keyof T]: () => Promise<T[K]> },
): Promise<T> {
  const thunks = tasks as unknown as Array<() => Promise<unknown>>;
  if (!serial) return (await Promise.all(thunks.map((t) => t()))) as unknown as T;
  const out: unknown[] = [];
  for (const t of thunks) out.push(await t());
  return out as unknown as T;
}

interface MemberRow {
  id: string;
  external_id: string | null;
  gender: string | null;
  birth_date: string | null;
  prefecture_code: number | null;
  occupation: string | null;
  membership_tier: string | null;
  points_balance: number | null;
  registered_at: Date | null;
  marketing_consent: boolean | null;
  attributes: Record<string, unknown>;
}

/**
 * Loads what the in-memory evaluator needs about ONE member: the row, aggregates, events
 * (optionally only since a time, for rules whose windows are bounded), LINE users of the
 * workspace and catalog events of favourite skus. For event triggers; not for bulk use.
 */
@Injectable()
export class MemberFactsLoader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * `em`: the caller's transaction. A caller holding a transaction must pass it: the loader's own
   * queries would each take another pooled connection, and enough concurrent holders waiting for
   * one deadlock the pool (every connection in a transaction that waits for a free connection).
   */
  async load(
    workspaceId: string,
    memberId: string,
    options: { eventsSince?: Date; em?: EntityManager } = {},
  ): Promise<MemberFacts | null> {
    const db = options.em ?? this.db;
    const [m] = await db.query<MemberRow[]>(
      `SELECT id::text, external_id, gender::text, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, prefecture_code,
              occupation, membership_tier, points_balance, registered_at, marketing_consent, attributes
         FROM ${T.members.table} WHERE workspace_id = $1 AND id = $2::bigint`,
      [workspaceId, memberId],
    );
    if (m === undefined) return null;
    const [aggregates, events, lineUsers, catalog] = await inTurn(options.em !== undefined, [
      () =>
        db.query<Array<Record<string, unknown>>>(
          `SELECT purchase_count, total_spent::float8 AS total_spent, first_purchase_at, last_purchase_at, last_cart_add_at,
                last_cart_activity_at, cart_open, event_count, last_event_at
           FROM ${T.aggregates.table} WHERE member_id = $1::bigint`,
          [memberId],
        ),
      () =>
        db.query<
          Array<{
            type: string;
            name: string | null;
            occurred_at: Date;
            amount: number | null;
            sku: string | null;
            properties: Record<string, unknown>;
          }>
        >(
          `SELECT type::text AS type, name, occurred_at, amount::float8 AS amount, sku, properties
           FROM ${T.events.table} WHERE workspace_id = $1 AND member_id = $2::bigint
            AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)`,
          [workspaceId, memberId, options.eventsSince?.toISOString() ?? null],
        ),
      () =>
        db.query<
          Array<{
            id: string;
            channel_id: string;
            following: boolean;
            blocked_at: Date | null;
            link_method: string | null;
            rich_menu: string | null;
          }>
        >(
          `SELECT id::text, channel_id, following, blocked_at, link_method::text AS link_method, ${T.lineUsers.richMenu} AS rich_menu
           FROM ${T.lineUsers.table} WHERE workspace_id = $1 AND member_id = $2::bigint`,
          [workspaceId, memberId],
        ),
      () =>
        db.query<Array<{ sku: string; kind: string; occurred_at: Date }>>(
          `SELECT c.sku, c.kind::text AS kind, c.created_at AS occurred_at
           FROM ${T.catalogEvents.table} c
          WHERE c.workspace_id = $1 AND c.sku IN (
            SELECT e.sku FROM ${T.events.table} e
             WHERE e.workspace_id = $1 AND e.member_id = $2::bigint AND e.type = 'favorite' AND e.sku IS NOT NULL)`,
          [workspaceId, memberId],
        ),
    ]);
    const a = aggregates[0];
    return {
      member: {
        id: m.id,
        externalId: m.external_id,
        gender: m.gender,
        birthDate: m.birth_date,
        prefectureCode: m.prefecture_code,
        occupation: m.occupation,
        membershipTier: m.membership_tier,
        pointsBalance: m.points_balance,
        registeredAt: m.registered_at,
        marketingConsent: m.marketing_consent,
        attributes: m.attributes ?? {},
      },
      aggregates:
        a === undefined
          ? null
          : {
              purchaseCount: a.purchase_count as number | null,
              totalSpent: a.total_spent as number | null,
              firstPurchaseAt: a.first_purchase_at as Date | null,
              lastPurchaseAt: a.last_purchase_at as Date | null,
              lastCartAddAt: a.last_cart_add_at as Date | null,
              lastCartActivityAt: a.last_cart_activity_at as Date | null,
              cartOpen: a.cart_open as boolean | null,
              eventCount: a.event_count as number | null,
              lastEventAt: a.last_event_at as Date | null,
            },
      events: events.map((e) => ({
        type: e.type,
        name: e.name,
        occurredAt: e.occurred_at,
        amount: e.amount,
        sku: e.sku,
        properties: e.properties ?? {},
      })),
      lineUsers: lineUsers.map((u) => ({
        id: u.id,
        channelId: u.channel_id,
        following: u.following,
        blockedAt: u.blocked_at,
        linkMethod: u.link_method,
        richMenuId: u.rich_menu,
      })),
      catalogEvents: catalog.map((c) => ({ sku: c.sku, kind: c.kind, occurredAt: c.occurred_at })),
    };
  }
}
