import { ageOn } from '../domain/dates';
import { PREFECTURES, Region } from '../domain/prefectures';
import { MemberAggregateEntity } from '../entities/member-aggregate.entity';
import { MemberEventEntity } from '../entities/member-event.entity';
import { MemberEntity } from '../entities/member.entity';
import { MemberLineLinkView } from './member-line-links.port';

export interface EventView {
  eventId: string;
  type: string;
  name: string | null;
  occurredAt: string;
  amount: number | null;
  sku: string | null;
  properties: Record<string, unknown>;
}

export interface AggregatesView {
  eventCount: number;
  purchaseCount: number;
  totalSpent: number;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  lastCartAddAt: string | null;
  lastCartActivityAt: string | null;
  cartOpen: boolean;
  lastPageViewAt: string | null;
  lastFavoriteAt: string | null;
  firstEventAt: string | null;
  lastEventAt: string | null;
}

export interface MemberView {
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  gender: string | null;
  birthDate: string | null;
  /** In the workspace's time zone, today. */
  age: number | null;
  birthMonth: number | null;
  prefecture: { code: number; name: string; romaji: string; region: Region } | null;
  postalCode: string | null;
  occupation: string | null;
  membershipTier: string | null;
  pointsBalance: number | null;
  registeredAt: string | null;
  marketingConsent: boolean | null;
  attributes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface MemberDetailsView extends MemberView {
  line: MemberLineLinkView[];
  aggregates: AggregatesView;
  recentEvents: EventView[];
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** What other libs may know of a member: linking's look-ups and its message templates. */
export interface MemberRef {
  id: string;
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  membershipTier: string | null;
  pointsBalance: number | null;
  registeredAt: string | null;
  attributes: Record<string, unknown>;
}

export const toMemberRef = (m: MemberEntity): MemberRef => ({
  id: m.id,
  externalId: m.externalId,
  firstName: m.firstName,
  lastName: m.lastName,
  membershipTier: m.membershipTier,
  pointsBalance: m.pointsBalance,
  registeredAt: iso(m.registeredAt),
  attributes: m.attributes ?? {},
});

export function toMemberView(m: MemberEntity, today: string): MemberView {
  const p = m.prefectureCode === null ? undefined : PREFECTURES[m.prefectureCode - 1];
  return {
    externalId: m.externalId,
    firstName: m.firstName,
    lastName: m.lastName,
    gender: m.gender,
    birthDate: m.birthDate,
    age: m.birthDate === null ? null : ageOn(m.birthDate, today),
    birthMonth: m.birthDate === null ? null : Number(m.birthDate.slice(5, 7)),
    prefecture: p === undefined ? null : { ...p },
    postalCode: m.postalCode,
    occupation: m.occupation,
    membershipTier: m.membershipTier,
    pointsBalance: m.pointsBalance,
    registeredAt: iso(m.registeredAt),
    marketingConsent: m.marketingConsent,
    attributes: m.attributes,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

export function toEventView(e: MemberEventEntity): EventView {
  return {
    eventId: e.eventId,
    type: e.type,
    name: e.name,
    occurredAt: e.occurredAt.toISOString(),
    amount: e.amount === null ? null : Number(e.amount),
    sku: e.sku,
    properties: e.properties,
  };
}

export function toAggregatesView(a: MemberAggregateEntity | null): AggregatesView {
  return {
    eventCount: a?.eventCount ?? 0,
    purchaseCount: a?.purchaseCount ?? 0,
    totalSpent: Number(a?.totalSpent ?? 0),
    firstPurchaseAt: iso(a?.firstPurchaseAt ?? null),
    lastPurchaseAt: iso(a?.lastPurchaseAt ?? null),
    lastCartAddAt: iso(a?.lastCartAddAt ?? null),
    lastCartActivityAt: iso(a?.lastCartActivityAt ?? null),
    cartOpen: a?.cartOpen ?? false,
    lastPageViewAt: iso(a?.lastPageViewAt ?? null),
    lastFavoriteAt: iso(a?.lastFavoriteAt ?? null),
    firstEventAt: iso(a?.firstEventAt ?? null),
    lastEventAt: iso(a?.lastEventAt ?? null),
  };
}
