/**
 * The example segments of the issue, as a marketer writes them. Only the occupation labels depend
 * on the data set (the bench's are Japanese labels, the e2e fixtures' are codes), so one function
 * writes both. Below, the same audiences written by hand in SQL for now = 2026-04-26T03:00Z (12:00
 * in Tokyo). `$1` workspace, `$2` channel.
 */
export function segmentExamples(occupations: { employee: string; partTime: string }): Record<string, unknown> {
  return {
    menAged30to40: {
      all: [
        { attr: 'gender', op: 'eq', value: 'male' },
        { attr: 'age', op: 'between', value: [30, 40] },
      ],
    },
    womenBornInJulyInTokyoArea: {
      all: [
        { attr: 'gender', op: 'eq', value: 'female' },
        { attr: 'birthMonth', op: 'eq', value: 7 },
        { attr: 'region', op: 'eq', value: 'tokyo_area' },
      ],
    },
    employeesAndPartTimers20Plus: {
      all: [
        { attr: 'occupation', op: 'in', value: [occupations.employee, occupations.partTime] },
        { attr: 'age', op: 'gte', value: 20 },
      ],
    },
    boughtItemsOf10000YenThreeTimes: {
      event: 'purchase',
      where: [{ field: 'item.price', op: 'gte', value: 10000 }],
      count: { op: 'gte', value: 3 },
    },
    registeredButNeverBought: {
      all: [
        { attr: 'registeredAt', op: 'exists' },
        { event: 'purchase', did: false },
      ],
    },
    sixMonthsAfterStarting: { attr: 'monthsSinceRegistration', op: 'eq', value: 6 },
    cartAbandoners: {
      sequence: {
        first: { event: 'cart_add', within: { lastDays: 7 } },
        then: { event: 'purchase', did: false, withinHours: 24 },
      },
    },
    goldMembers: { attr: 'membershipTier', op: 'eq', value: 'gold' },
    favouritesRestockedOrCheaper: {
      favouriteChanged: { changes: ['back_in_stock', 'price_drop'], within: { lastDays: 3 } },
    },
  };
}

export const EXAMPLES = segmentExamples({ employee: '会社員', partTime: 'パート・アルバイト' });

const reachable = `FROM members m JOIN line_users r ON r.channel_id = $2 AND r.member_id = m.id AND r.following AND r.blocked_at IS NULL
  WHERE m.workspace_id = $1`;
const select = `SELECT m.id AS member_id, r.id AS line_user_id ${reachable}`;

export const HAND_WRITTEN: Record<string, string> = {
  menAged30to40: `${select} AND m.gender = 'male' AND m.birth_date > DATE '1985-04-26' AND m.birth_date <= DATE '1996-04-26'`,
  womenBornInJulyInTokyoArea: `${select} AND m.gender = 'female' AND extract(month FROM m.birth_date) = 7 AND m.prefecture_code IN (11, 12, 13, 14)`,
  employeesAndPartTimers20Plus: `${select} AND m.occupation IN ('会社員', 'パート・アルバイト') AND m.birth_date <= DATE '2006-04-26'`,
  boughtItemsOf10000YenThreeTimes: `${select} AND m.id IN (
      SELECT e.member_id FROM events e
       WHERE e.workspace_id = $1 AND e.type = 'purchase'
         AND EXISTS (SELECT 1 FROM jsonb_array_elements(e.properties -> 'items') it
                      WHERE jsonb_typeof(it -> 'price') = 'number' AND (it ->> 'price')::numeric >= 10000)
       GROUP BY e.member_id HAVING count(*) >= 3)`,
  registeredButNeverBought: `${select} AND m.registered_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.workspace_id = $1 AND e.member_id = m.id AND e.type = 'purchase')`,
  sixMonthsAfterStarting: `${select} AND m.registered_at >= TIMESTAMPTZ '2025-09-27 00:00+09' AND m.registered_at < TIMESTAMPTZ '2025-10-27 00:00+09'`,
  cartAbandoners: `${select} AND m.id IN (
      SELECT a.member_id FROM events a
       WHERE a.workspace_id = $1 AND a.type = 'cart_add'
         AND a.occurred_at >= TIMESTAMPTZ '2026-04-19 03:00Z' AND a.occurred_at <= TIMESTAMPTZ '2026-04-25 03:00Z'
         AND NOT EXISTS (SELECT 1 FROM events b WHERE b.workspace_id = $1 AND b.member_id = a.member_id AND b.type = 'purchase'
                          AND b.occurred_at > a.occurred_at AND b.occurred_at <= a.occurred_at + interval '24 hours'))`,
  goldMembers: `${select} AND m.membership_tier = 'gold'`,
  favouritesRestockedOrCheaper: `${select} AND m.id IN (
      SELECT f.member_id FROM events f JOIN catalog_events c ON c.workspace_id = f.workspace_id AND c.sku = f.sku
       WHERE f.workspace_id = $1 AND f.type = 'favorite' AND c.kind IN ('back_in_stock', 'price_drop')
         AND c.created_at >= TIMESTAMPTZ '2026-04-23 03:00Z' AND c.created_at <= TIMESTAMPTZ '2026-04-26 03:00Z')`,
};
