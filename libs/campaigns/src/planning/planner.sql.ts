/** SQL fragments of planning (see PlannerRepository). */
export const SKIP_SQL = `
  CASE WHEN lu.line_user_id IS NULL THEN 'not_linked'
       WHEN NOT lu.following OR lu.blocked_at IS NOT NULL THEN 'not_following'
       WHEN cap.member_id IS NOT NULL THEN 'frequency_cap'
  END`;

/**
 * Members of the page that reached the frequency cap: marketing sends in the window, counted from
 * the member-id arrays of accepted requests (one per request that carried the member), plus the
 * marketing sends already decided but not yet accepted (members of open batches that no accepted
 * or failed request of theirs carried): without the latter, two campaigns planned at the same
 * moment would both pass the cap, since neither has sent yet. The caller serialises this check
 * and the batch insert per channel (advisory lock). A one-time filter makes it free when the cap
 * is off or the campaign is transactional.
 */
export const CAPPED_SQL = `
  SELECT member_id FROM (
    SELECT u.member_id FROM delivery_requests q
    CROSS JOIN LATERAL unnest(q.member_ids) AS u(member_id)
    JOIN delivery_batches b ON b.id = q.batch_id AND b.channel_id = $ch
    JOIN campaigns c ON c.id = b.campaign_id AND c.category = 'marketing'
    WHERE $cap AND $capMax > 0 AND q.status = 'accepted' AND q.accepted_at >= $capSince
      AND u.member_id IN (SELECT member_id FROM page)
    UNION ALL
    SELECT u.member_id FROM delivery_batches b
    CROSS JOIN LATERAL unnest(b.member_ids) AS u(member_id)
    JOIN campaigns c ON c.id = b.campaign_id AND c.category = 'marketing'
    WHERE $cap AND $capMax > 0 AND b.channel_id = $ch AND b.status IN ('pending', 'sending')
      AND u.member_id IN (SELECT member_id FROM page)
      AND NOT EXISTS (SELECT 1 FROM delivery_requests q
                      WHERE q.batch_id = b.id AND q.status IN ('accepted', 'failed') AND u.member_id = ANY(q.member_ids))
  ) sends GROUP BY member_id HAVING count(*) >= $capMax`;
