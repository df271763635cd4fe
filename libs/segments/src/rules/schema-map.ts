import { ElapsedUnit } from './rule-time';

/**
 * The one place that knows the other libs' tables: rule attribute names → table/column/type.
 * The compiler emits only identifiers found here (never from user input), and the member-facts
 * loader reads the same columns, so adapting to a renamed column is an edit in this file.
 */

export type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp';

export const TABLES = {
  members: {
    table: 'members',
    id: 'id',
    workspaceId: 'workspace_id',
    prefectureCode: 'prefecture_code',
    birthDate: 'birth_date',
    registeredAt: 'registered_at',
  },
  aggregates: { table: 'member_aggregates', memberId: 'member_id' },
  events: {
    table: 'events',
    memberId: 'member_id',
    workspaceId: 'workspace_id',
    /** enum `event_type`; custom events have type `custom` and a `name`. */
    type: 'type',
    typeEnum: 'event_type',
    name: 'name',
    occurredAt: 'occurred_at',
    amount: 'amount',
    sku: 'sku',
    properties: 'properties',
    /** Purchase items live in `properties.items`: [{ sku, category, price, quantity }]. */
    itemsKey: 'items',
    /** Item key with an expression index on lse_max_item_number(properties, key) for purchases. */
    indexedItemKey: 'price',
  },
  lineUsers: {
    table: 'line_users',
    id: 'id',
    channelId: 'channel_id',
    memberId: 'member_id',
    following: 'following',
    blockedAt: 'blocked_at',
    linkMethod: 'link_method',
    richMenu: 'rich_menu_actual',
  },
  /** Favourites are `favorite` events whose `sku` names the product. */
  favourites: { eventType: 'favorite' },
  /**
   * Campaign runs refer to the snapshot they send to in `source.snapshotId`; runs in these
   * states still read it (a snapshot they use is never deleted).
   */
  campaignRuns: {
    table: 'campaign_runs',
    workspaceId: 'workspace_id',
    id: 'id',
    source: 'source',
    snapshotKey: 'snapshotId',
    status: 'status',
    activeStatuses: ['scheduled', 'planning', 'sending'],
  },
  catalogEvents: {
    table: 'catalog_events',
    workspaceId: 'workspace_id',
    sku: 'sku',
    kind: 'kind',
    kindEnum: 'catalog_event_kind',
    occurredAt: 'created_at',
  },
} as const;

/**
 * Event conditions that member_aggregates answers exactly: "did EVENT ever" with no property
 * filters, by its count and its sum of `amount` (the members lib keeps both at ingest over the same
 * events: count(*) and sum(amount) of the member's events of that type). Such a condition reads
 * the aggregate in SQL (one join instead of an events probe per member) AND in the evaluator, so
 * both trust the same fact.
 */
export const EVENT_AGGREGATES: Readonly<
  Record<
    string,
    {
      count: { column: string; fact: 'purchaseCount' };
      sum: { column: string; fact: 'totalSpent' };
      /**
       * Set exactly when the member did it at least once (min(occurred_at) of those events, kept
       * with the count): "did / did not" reads this column, which the partial index
       * ix_member_aggregates_buyers covers. It changes only at the first such event, so the
       * index does not cost ingest a non-HOT update per event (a count column would).
       */
      ever: { column: string; fact: 'firstPurchaseAt' };
    }
  >
> = {
  purchase: {
    count: { column: 'purchase_count', fact: 'purchaseCount' },
    sum: { column: 'total_spent', fact: 'totalSpent' },
    ever: { column: 'first_purchase_at', fact: 'firstPurchaseAt' },
  },
};

/** Built-in event types (enum `event_type` of the members lib); `custom:<name>` names a custom event. */
export const EVENT_TYPES = [
  'purchase',
  'cart_add',
  'cart_remove',
  'checkout_start',
  'page_view',
  'favorite',
  'point_change',
  'reservation',
  'signup',
  'custom',
] as const;
export const CUSTOM_EVENT_PREFIX = 'custom:';
export const CATALOG_CHANGES = ['back_in_stock', 'price_drop'] as const;
export const LINK_METHODS = ['messaging_api', 'line_login'] as const;

export type AttributeSource =
  /** A plain column of the member row or of its aggregates row (`defaultValue` when absent). */
  | {
      kind: 'column';
      table: 'member' | 'aggregate';
      column: string;
      type: ValueType;
      defaultValue?: number;
      /**
       * A PostgreSQL enum column: eq/in compare with the enum itself (the planner keeps its
       * statistics), values checked against the labels first; other operators compare as text.
       */
      enumType?: { name: string; labels: readonly string[] };
    }
  /** Whole units elapsed since a date/timestamp column, in the workspace time zone (age, …). */
  | {
      kind: 'elapsed';
      table: 'member' | 'aggregate';
      column: string;
      base: 'date' | 'timestamp';
      unit: ElapsedUnit;
      fact: string;
    }
  | { kind: 'birthMonth' }
  /** Prefecture (JIS code, romaji or name in rules) and region groups, both on prefecture_code. */
  | { kind: 'place'; regions: boolean };

export interface AttributeDef {
  /** The type conditions see (operators and values are checked against it). */
  type: ValueType;
  source: AttributeSource;
  /** Key of the value in {@link MemberFacts} (member or aggregates). */
  fact: string;
  description: string;
}

const col = (
  table: 'member' | 'aggregate',
  column: string,
  type: ValueType,
  fact: string,
  description: string,
  defaultValue?: number,
): AttributeDef => ({ type, fact, description, source: { kind: 'column', table, column, type, defaultValue } });

const elapsed = (
  table: 'member' | 'aggregate',
  column: string,
  base: 'date' | 'timestamp',
  unit: ElapsedUnit,
  fact: string,
  description: string,
): AttributeDef => ({
  type: 'number',
  fact,
  description,
  source: { kind: 'elapsed', table, column, base, unit, fact },
});

/** Every attribute a rule can name (besides `custom.<key>`). */
export const ATTRIBUTES: Readonly<Record<string, AttributeDef>> = {
  externalId: col('member', 'external_id', 'string', 'externalId', 'The member id of your own system'),
  gender: {
    type: 'string',
    fact: 'gender',
    description: 'male | female | other | unspecified',
    source: {
      kind: 'column',
      table: 'member',
      column: 'gender',
      type: 'string',
      enumType: { name: 'member_gender', labels: ['male', 'female', 'other', 'unspecified'] },
    },
  },
  birthDate: col('member', 'birth_date', 'date', 'birthDate', 'Date of birth'),
  prefecture: {
    type: 'string',
    fact: 'prefectureCode',
    description: 'Prefecture of residence: JIS code 1–47, romaji (tokyo) or name (東京都)',
    source: { kind: 'place', regions: false },
  },
  occupation: col('member', 'occupation', 'string', 'occupation', 'Occupation'),
  membershipTier: col('member', 'membership_tier', 'string', 'membershipTier', 'Membership tier (e.g. gold)'),
  pointsBalance: col('member', 'points_balance', 'number', 'pointsBalance', 'Loyalty points balance'),
  registeredAt: col('member', 'registered_at', 'timestamp', 'registeredAt', 'When the member registered'),
  marketingConsent: col('member', 'marketing_consent', 'boolean', 'marketingConsent', 'Consent to marketing'),
  age: elapsed('member', 'birth_date', 'date', 'years', 'birthDate', 'Whole years since birth (workspace time zone)'),
  birthMonth: {
    type: 'number',
    fact: 'birthDate',
    description: 'Month of birth, 1–12',
    source: { kind: 'birthMonth' },
  },
  region: {
    type: 'string',
    fact: 'prefectureCode',
    description:
      'Region group of the prefecture (hokkaido, tohoku, kanto, chubu, kinki, chugoku, shikoku, kyushu_okinawa, tokyo_area, kansai_area)',
    source: { kind: 'place', regions: true },
  },
  daysSinceRegistration: elapsed(
    'member',
    'registered_at',
    'timestamp',
    'days',
    'registeredAt',
    'Whole days since registration',
  ),
  monthsSinceRegistration: elapsed(
    'member',
    'registered_at',
    'timestamp',
    'months',
    'registeredAt',
    'Whole months since registration',
  ),
  purchaseCount: col('aggregate', 'purchase_count', 'number', 'purchaseCount', 'Number of purchases', 0),
  totalSpent: col('aggregate', 'total_spent', 'number', 'totalSpent', 'Sum of purchase amounts (yen)', 0),
  firstPurchaseAt: col('aggregate', 'first_purchase_at', 'timestamp', 'firstPurchaseAt', 'First purchase'),
  lastPurchaseAt: col('aggregate', 'last_purchase_at', 'timestamp', 'lastPurchaseAt', 'Last purchase'),
  lastCartAddAt: col('aggregate', 'last_cart_add_at', 'timestamp', 'lastCartAddAt', 'Last cart_add'),
  lastCartActivityAt: col(
    'aggregate',
    'last_cart_activity_at',
    'timestamp',
    'lastCartActivityAt',
    'Last cart activity',
  ),
  cartOpen: col('aggregate', 'cart_open', 'boolean', 'cartOpen', 'A cart_add later than the last purchase'),
  eventCount: col('aggregate', 'event_count', 'number', 'eventCount', 'Number of events', 0),
  lastEventAt: col('aggregate', 'last_event_at', 'timestamp', 'lastEventAt', 'Last event of any type'),
  daysSinceFirstPurchase: elapsed(
    'aggregate',
    'first_purchase_at',
    'timestamp',
    'days',
    'firstPurchaseAt',
    'Whole days since the first purchase',
  ),
  daysSinceLastPurchase: elapsed(
    'aggregate',
    'last_purchase_at',
    'timestamp',
    'days',
    'lastPurchaseAt',
    'Whole days since the last purchase',
  ),
};

/** Custom attribute definitions of a workspace: key → type. */
export type CustomAttributeType = Exclude<ValueType, 'timestamp'> | 'string_list';
export type CustomAttributeTypes = Readonly<Record<string, CustomAttributeType>>;

export const CUSTOM_PREFIX = 'custom.';
/** Keys of custom attributes and event properties: plain identifiers (they become SQL params anyway). */
export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Names of custom events (`custom:<name>`). */
export const CUSTOM_EVENT_NAME_PATTERN = /^.{1,200}$/su;
