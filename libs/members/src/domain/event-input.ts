import { EventType } from '../entities/member-event.entity';
import { EXTERNAL_ID_MAX } from './member-input';
import { FieldError, isPlainObject, Parsed, parseDateTime } from './field-error';

/** A validated event, ready for the set-based insert. */
export interface EventRecord {
  eventId: string;
  memberExternalId: string;
  type: EventType;
  name: string | null;
  occurredAt: string;
  amount: number | null;
  sku: string | null;
  /** point_change: the member's points balance after it, when the sender knows it. */
  balance: number | null;
  properties: Record<string, unknown>;
}

const TYPES = new Set<string>(Object.values(EventType));
const TOP_LEVEL = new Set(['eventId', 'memberId', 'type', 'name', 'occurredAt', 'properties']);
const MAX_ID = 200;
const MAX_ITEMS = 500;
/** Clocks drift; an event more than a day ahead is a bug on the sender's side. */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

type Props = Record<string, unknown>;
type Ctx = { props: Props; errors: FieldError[] };

const field = (name: string): string => `properties.${name}`;

function str(c: Ctx, name: string, required: boolean, max = 1000): string | null {
  const v = c.props[name];
  if (v === undefined || v === null) {
    if (required) c.errors.push({ field: field(name), reason: 'is required' });
    return null;
  }
  if (typeof v !== 'string' || v === '' || v.length > max) {
    c.errors.push({ field: field(name), reason: `must be a non-empty string of at most ${max} characters` });
    return null;
  }
  return v;
}

/** members.points_balance is an integer column. */
const INT4_MAX = 2_147_483_647;

function int(c: Ctx, name: string, required: boolean, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  const v = c.props[name];
  if (v === undefined || v === null) {
    if (required) c.errors.push({ field: field(name), reason: 'is required' });
    return null;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    c.errors.push({
      field: field(name),
      reason:
        max === Number.MAX_SAFE_INTEGER ? `must be an integer ≥ ${min}` : `must be an integer from ${min} to ${max}`,
    });
    return null;
  }
  return v;
}

function items(c: Ctx): void {
  const v = c.props.items;
  if (v === undefined) return;
  if (!Array.isArray(v) || v.length > MAX_ITEMS) {
    c.errors.push({ field: field('items'), reason: `must be an array of at most ${MAX_ITEMS} items` });
    return;
  }
  v.forEach((item: unknown, i) => {
    const at = `properties.items[${i}]`;
    if (!isPlainObject(item)) {
      c.errors.push({ field: at, reason: 'must be an object {sku, category, price, quantity}' });
      return;
    }
    if (typeof item.sku !== 'string' || item.sku === '')
      c.errors.push({ field: `${at}.sku`, reason: 'must be a non-empty string' });
    if (item.category !== undefined && typeof item.category !== 'string') {
      c.errors.push({ field: `${at}.category`, reason: 'must be a string' });
    }
    if (typeof item.price !== 'number' || !Number.isSafeInteger(item.price) || item.price < 0) {
      c.errors.push({ field: `${at}.price`, reason: 'must be an integer ≥ 0 (yen)' });
    }
    if (typeof item.quantity !== 'number' || !Number.isSafeInteger(item.quantity) || item.quantity < 1) {
      c.errors.push({ field: `${at}.quantity`, reason: 'must be an integer ≥ 1' });
    }
  });
}

/** Extra properties are kept, but only flat values (segments filter on them as JSON scalars). */
function flatValues(c: Ctx, known: readonly string[]): void {
  for (const [k, v] of Object.entries(c.props)) {
    if (known.includes(k)) continue;
    const ok =
      v === null ||
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    if (!ok) c.errors.push({ field: field(k), reason: 'must be a string, number, boolean or array of strings' });
  }
}

/** Per type: its required properties, and what goes into the amount and sku columns. */
function typed(
  type: EventType,
  c: Ctx,
): { amount: number | null; sku: string | null; balance?: number | null; known: string[] } {
  switch (type) {
    case EventType.Purchase: {
      str(c, 'orderId', true, MAX_ID);
      const total = int(c, 'totalAmount', true, 0);
      items(c);
      return { amount: total, sku: null, known: ['orderId', 'totalAmount', 'items'] };
    }
    case EventType.CartAdd:
    case EventType.CartRemove: {
      const sku = str(c, 'sku', true, MAX_ID);
      const price = int(c, 'price', false, 0);
      const quantity = int(c, 'quantity', false, 1);
      return { amount: price === null ? null : price * (quantity ?? 1), sku, known: ['sku', 'price', 'quantity'] };
    }
    case EventType.CheckoutStart:
      return { amount: int(c, 'totalAmount', false, 0), sku: null, known: ['totalAmount'] };
    case EventType.PageView:
      str(c, 'url', true, 2000);
      str(c, 'category', false);
      return { amount: null, sku: null, known: ['url', 'category'] };
    case EventType.Favorite:
      return { amount: null, sku: str(c, 'sku', true, MAX_ID), known: ['sku'] };
    case EventType.PointChange: {
      const delta = int(c, 'delta', true, Number.MIN_SAFE_INTEGER);
      const balance = int(c, 'balance', false, -INT4_MAX, INT4_MAX);
      return { amount: delta, sku: null, balance, known: ['delta', 'balance'] };
    }
    case EventType.Reservation:
      if (parseDateTime(c.props.startsAt) === undefined) {
        c.errors.push({ field: field('startsAt'), reason: 'must be an ISO 8601 date-time with offset' });
      }
      return { amount: null, sku: null, known: ['startsAt'] };
    case EventType.Signup:
    case EventType.Custom:
      return { amount: null, sku: null, known: [] };
  }
}

/** Validates one event; reports every bad field. `now` is injectable for tests. */
export function parseEvent(input: unknown, now = Date.now()): Parsed<EventRecord> {
  if (!isPlainObject(input)) return { ok: false, errors: [{ field: '', reason: 'must be an object' }] };
  const errors: FieldError[] = [];
  for (const k of Object.keys(input)) {
    if (!TOP_LEVEL.has(k))
      errors.push({ field: k, reason: 'is not an event field (type-specific values go in "properties")' });
  }
  const { eventId, memberId, type, name, occurredAt } = input;
  if (typeof eventId !== 'string' || eventId === '' || eventId.length > MAX_ID) {
    errors.push({ field: 'eventId', reason: `must be a non-empty string of at most ${MAX_ID} characters` });
  }
  if (typeof memberId !== 'string' || memberId.trim() === '' || memberId.length > EXTERNAL_ID_MAX) {
    errors.push({ field: 'memberId', reason: "must be the member's externalId" });
  }
  const at = parseDateTime(occurredAt);
  if (at === undefined) errors.push({ field: 'occurredAt', reason: 'must be an ISO 8601 date-time with offset' });
  else if (at > now + MAX_FUTURE_MS) errors.push({ field: 'occurredAt', reason: 'is more than a day in the future' });
  const props = input.properties ?? {};
  if (!isPlainObject(props)) errors.push({ field: 'properties', reason: 'must be an object' });
  if (typeof type !== 'string' || !TYPES.has(type)) {
    errors.push({ field: 'type', reason: `must be one of ${[...TYPES].join(', ')}` });
    return { ok: false, errors };
  }
  const eventType = type as EventType;
  if (eventType === EventType.Custom) {
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/.test(name)) {
      errors.push({ field: 'name', reason: 'a custom event needs a name: letters, digits, _ . : -, at most 100' });
    }
  } else if (name !== undefined) {
    errors.push({ field: 'name', reason: 'only custom events have a name' });
  }
  if (!isPlainObject(props)) return { ok: false, errors };
  const c: Ctx = { props, errors };
  const { amount, sku, balance, known } = typed(eventType, c);
  flatValues(c, known);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      eventId: eventId as string,
      memberExternalId: memberId as string,
      type: eventType,
      name: eventType === EventType.Custom ? (name as string) : null,
      occurredAt: new Date(at as number).toISOString(),
      amount,
      sku,
      balance: balance ?? null,
      properties: props,
    },
  };
}
