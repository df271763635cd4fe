/**
 * Everything the in-memory evaluator needs to know about one member. Loaded from the database
 * by `MemberFactsLoader` (or built by a caller that already has the data, e.g. an event trigger).
 */
export interface MemberCoreFacts {
  /** members.id (bigint, as a string). */
  id: string;
  externalId: string | null;
  gender: string | null;
  /** `YYYY-MM-DD`. */
  birthDate: string | null;
  /** JIS X 0401 code 1–47. */
  prefectureCode: number | null;
  occupation: string | null;
  membershipTier: string | null;
  pointsBalance: number | null;
  registeredAt: Date | null;
  marketingConsent: boolean | null;
  /** Custom attributes (key → JSON value). */
  attributes: Record<string, unknown>;
}

export interface MemberAggregateFacts {
  purchaseCount: number | null;
  totalSpent: number | null;
  firstPurchaseAt: Date | null;
  lastPurchaseAt: Date | null;
  lastCartAddAt: Date | null;
  lastCartActivityAt: Date | null;
  cartOpen: boolean | null;
  eventCount: number | null;
  lastEventAt: Date | null;
}

export interface EventFact {
  /** Built-in type (`purchase`, …) or `custom` with a `name`. */
  type: string;
  name: string | null;
  occurredAt: Date;
  amount: number | null;
  sku: string | null;
  /** Purchase items are `properties.items`. */
  properties: Record<string, unknown>;
}

export interface LineUserFact {
  /** Row id of the line user (what a snapshot stores). */
  id: string;
  channelId: string;
  following: boolean;
  blockedAt: Date | null;
  linkMethod: string | null;
  richMenuId: string | null;
}

export interface CatalogEventFact {
  sku: string;
  /** back_in_stock | price_drop */
  kind: string;
  occurredAt: Date;
}

export interface MemberFacts {
  member: MemberCoreFacts;
  aggregates: MemberAggregateFacts | null;
  /** The member's events (at least those of the types and windows the rule looks at). */
  events: EventFact[];
  lineUsers: LineUserFact[];
  /** Catalog events of the member's favourite skus (for `favouriteChanged`). */
  catalogEvents: CatalogEventFact[];
}
