/**
 * Folds the events a statement inserted (CTE `ins`: member_id, type, occurred_at, amount) into
 * member_aggregates. Aggregates only add and take GREATEST/LEAST, so arrival order does not
 * matter; rows are upserted in member_id order so that concurrent batches lock them in the same
 * order.
 */
export const AGGREGATE_UPSERT = `
INSERT INTO member_aggregates AS a (member_id, workspace_id, event_count, purchase_count, total_spent,
  first_purchase_at, last_purchase_at, last_cart_add_at, last_cart_activity_at, cart_open,
  last_page_view_at, last_favorite_at, first_event_at, last_event_at)
SELECT member_id, $1, ec, pc, ts, fp, lp, lca, lcx, coalesce(lca > coalesce(lp, '-infinity'), false), lpv, lf, fe, le
FROM (
  SELECT member_id,
    count(*)::int AS ec,
    (count(*) FILTER (WHERE type = 'purchase'))::int AS pc,
    coalesce(sum(amount) FILTER (WHERE type = 'purchase'), 0) AS ts,
    min(occurred_at) FILTER (WHERE type = 'purchase') AS fp,
    max(occurred_at) FILTER (WHERE type = 'purchase') AS lp,
    max(occurred_at) FILTER (WHERE type = 'cart_add') AS lca,
    max(occurred_at) FILTER (WHERE type IN ('cart_add', 'cart_remove', 'checkout_start')) AS lcx,
    max(occurred_at) FILTER (WHERE type = 'page_view') AS lpv,
    max(occurred_at) FILTER (WHERE type = 'favorite') AS lf,
    min(occurred_at) AS fe,
    max(occurred_at) AS le
  FROM ins GROUP BY member_id) g
ORDER BY member_id
ON CONFLICT (member_id) DO UPDATE SET
  event_count = a.event_count + excluded.event_count,
  purchase_count = a.purchase_count + excluded.purchase_count,
  total_spent = a.total_spent + excluded.total_spent,
  first_purchase_at = LEAST(a.first_purchase_at, excluded.first_purchase_at),
  last_purchase_at = GREATEST(a.last_purchase_at, excluded.last_purchase_at),
  last_cart_add_at = GREATEST(a.last_cart_add_at, excluded.last_cart_add_at),
  last_cart_activity_at = GREATEST(a.last_cart_activity_at, excluded.last_cart_activity_at),
  cart_open = coalesce(GREATEST(a.last_cart_add_at, excluded.last_cart_add_at)
    > coalesce(GREATEST(a.last_purchase_at, excluded.last_purchase_at), '-infinity'), false),
  last_page_view_at = GREATEST(a.last_page_view_at, excluded.last_page_view_at),
  last_favorite_at = GREATEST(a.last_favorite_at, excluded.last_favorite_at),
  first_event_at = LEAST(a.first_event_at, excluded.first_event_at),
  last_event_at = GREATEST(a.last_event_at, excluded.last_event_at),
  updated_at = now()`;

/**
 * points_balance from the point_change events a statement inserted (CTE `ins`, duplicates not
 * included) that carry `balance`: per member the latest occurredAt, kept in points_balance_at so
 * that an older event, arriving later, never overwrites a newer balance; equal times take the
 * larger balance, so the result is order-independent. Members created by the same statement are
 * not visible to it (one snapshot): their INSERT carries the batch's latest balance instead.
 * Rows are taken in member_id order (nested loop over the sorted subquery), like the aggregates.
 */
export const BALANCE_UPDATE = `
UPDATE members m SET points_balance = b.balance, points_balance_at = b.at, updated_at = now()
FROM (
  SELECT DISTINCT ON (member_id) member_id, balance, occurred_at AS at
  FROM ins WHERE balance IS NOT NULL
  ORDER BY member_id, occurred_at DESC, balance DESC) b
WHERE m.workspace_id = $1 AND m.id = b.member_id
  AND (m.points_balance_at IS NULL OR m.points_balance_at < b.at
       OR (m.points_balance_at = b.at AND m.points_balance < b.balance))`;
