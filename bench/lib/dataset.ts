/**
 * A deterministic (seeded) synthetic data set of members and events, shared by the ingest and
 * segment benchmarks: Japanese prefectures weighted by population, ages 15–80, long-tailed
 * activity (a few members do most of the buying), realistic event mix.
 */

/** mulberry32: tiny, fast, good enough for synthetic data; same seed → same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Population in 10,000s (2020 census), JIS order. */
const POPULATION = [
  522, 124, 121, 230, 96, 107, 183, 287, 193, 194, 734, 628, 1405, 924, 220, 103, 113, 77, 81, 205, 198, 363, 754, 177,
  141, 258, 884, 547, 133, 92, 55, 67, 189, 280, 134, 72, 95, 133, 69, 514, 81, 131, 174, 112, 107, 159, 147,
];
const CUMULATIVE = POPULATION.map(
  (
    (sum) => (p: number) =>
      (sum += p)
  )(0),
);
const TOTAL = CUMULATIVE[CUMULATIVE.length - 1];

export function prefectureCode(u: number): number {
  const x = u * TOTAL;
  let lo = 0;
  let hi = CUMULATIVE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CUMULATIVE[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

const TIERS = ['regular', 'regular', 'regular', 'silver', 'silver', 'gold', 'platinum'];
const OCCUPATIONS = ['会社員', '公務員', '自営業', '学生', 'パート・アルバイト', '主婦・主夫', '無職', 'その他'];
const CATEGORIES = ['shoes', 'apparel', 'bags', 'cosmetics', 'food', 'outdoor', 'kids', 'home'];
const pad = (n: number): string => String(n).padStart(2, '0');

export interface MemberRecord {
  externalId: string;
  firstName: string;
  lastName: string;
  gender: string;
  birthDate: string;
  prefecture: number;
  postalCode: string;
  occupation: string;
  membershipTier: string;
  pointsBalance: number;
  registeredAt: string;
  marketingConsent: boolean;
}

export const memberExternalId = (i: number): string => `M${String(i).padStart(8, '0')}`;

/** Member i of the data set (independent of the others: generate any slice in any order). */
export function member(i: number, seed = 42): MemberRecord {
  const r = rng(seed * 1_000_003 + i);
  const age = 15 + Math.floor(r() * 66);
  const year = 2026 - age - 1;
  const month = 1 + Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * 28);
  const reg = Date.UTC(2015, 0, 1) + Math.floor(r() * 11 * 365 * 86400_000);
  return {
    externalId: memberExternalId(i),
    firstName: `名${i % 1000}`,
    lastName: `姓${i % 997}`,
    gender: r() < 0.52 ? 'female' : r() < 0.96 ? 'male' : 'other',
    birthDate: `${year}-${pad(month)}-${pad(day)}`,
    prefecture: prefectureCode(r()),
    postalCode: `${100 + Math.floor(r() * 900)}-${String(Math.floor(r() * 10000)).padStart(4, '0')}`,
    occupation: OCCUPATIONS[Math.floor(r() * OCCUPATIONS.length)],
    membershipTier: TIERS[Math.floor(r() * TIERS.length)],
    pointsBalance: Math.floor(r() * r() * 20000),
    registeredAt: new Date(reg).toISOString(),
    marketingConsent: r() < 0.8,
  };
}

export interface EventRecordInput {
  eventId: string;
  memberId: string;
  type: string;
  occurredAt: string;
  properties: Record<string, unknown>;
}

const TYPES: Array<[string, number]> = [
  ['page_view', 0.45],
  ['cart_add', 0.13],
  ['cart_remove', 0.04],
  ['favorite', 0.06],
  ['checkout_start', 0.05],
  ['purchase', 0.16],
  ['point_change', 0.08],
  ['reservation', 0.02],
  ['signup', 0.01],
];

/**
 * Event j: its member is drawn with a power law (member index ∝ u³), so a small share of
 * members make most events and purchases: the long tail segments care about.
 */
export function event(j: number, members: number, seed = 42): EventRecordInput {
  const r = rng(seed * 7_000_003 + j * 31 + 7);
  const m = Math.min(members - 1, Math.floor(members * r() ** 3));
  let u = r();
  let type = 'page_view';
  for (const [t, p] of TYPES) {
    if (u < p) {
      type = t;
      break;
    }
    u -= p;
  }
  const at = Date.UTC(2025, 0, 1) + Math.floor(r() * 480 * 86400_000);
  const sku = `SKU${String(Math.floor(r() ** 2 * 20000)).padStart(5, '0')}`;
  const price = 500 + Math.floor(r() ** 3 * 50) * 500;
  let properties: Record<string, unknown> = {};
  switch (type) {
    case 'purchase': {
      const n = 1 + Math.floor(r() * r() * 4);
      const items = Array.from({ length: n }, (_, k) => ({
        sku: `SKU${String(Math.floor(r() ** 2 * 20000)).padStart(5, '0')}`,
        category: CATEGORIES[(j + k) % CATEGORIES.length],
        price: 500 + Math.floor(r() ** 3 * 50) * 500,
        quantity: 1 + Math.floor(r() * r() * 3),
      }));
      properties = { orderId: `O${j}`, totalAmount: items.reduce((s, it) => s + it.price * it.quantity, 0), items };
      break;
    }
    case 'cart_add':
    case 'cart_remove':
      properties = { sku, price, quantity: 1 };
      break;
    case 'checkout_start':
      properties = { totalAmount: price };
      break;
    case 'page_view':
      properties = { url: `https://shop.example.jp/${CATEGORIES[j % 8]}/${sku}`, category: CATEGORIES[j % 8] };
      break;
    case 'favorite':
      properties = { sku };
      break;
    case 'point_change':
      // Most point systems send the balance after the change; some senders only the delta.
      properties =
        r() < 0.75
          ? { delta: Math.floor(r() * 1000) - 300, balance: Math.floor(r() * r() * 20000) }
          : { delta: Math.floor(r() * 1000) - 300 };
      break;
    case 'reservation':
      properties = { startsAt: new Date(at + 7 * 86400_000).toISOString() };
      break;
  }
  return { eventId: `E${j}`, memberId: memberExternalId(m), type, occurredAt: new Date(at).toISOString(), properties };
}
