import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-recipient ledger, expanded from its compact form (docs/campaigns.md): sent = members of
 * the requests LINE accepted; skipped/failed = delivery_ledger rows; queued = members of open
 * batches with neither. Members that were erased drop out (the join to members).
 */
export class DeliveryRecipientLedgerView1795435918300 implements MigrationInterface {
  name = 'DeliveryRecipientLedgerView1795435918300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE VIEW delivery_recipient_ledger AS
      SELECT b.run_id, b.campaign_id, b.channel_id, u.member_id, 'sent'::text AS status, NULL::text AS reason,
             q.accepted_at AS at
      FROM delivery_requests q JOIN delivery_batches b ON b.id = q.batch_id
      CROSS JOIN LATERAL unnest(q.member_ids) AS u(member_id)
      JOIN members m ON m.id = u.member_id
      WHERE q.status = 'accepted'
      UNION ALL
      SELECT l.run_id, l.campaign_id, l.channel_id, l.member_id, l.status::text, l.reason, l.created_at
      FROM delivery_ledger l
      UNION ALL
      SELECT b.run_id, b.campaign_id, b.channel_id, u.member_id, 'queued', NULL, b.created_at
      FROM delivery_batches b CROSS JOIN LATERAL unnest(b.member_ids) AS u(member_id)
      JOIN members m ON m.id = u.member_id
      WHERE b.status IN ('pending', 'sending')
        AND NOT EXISTS (SELECT 1 FROM delivery_requests q
                        WHERE q.batch_id = b.id AND q.status = 'accepted' AND u.member_id = ANY(q.member_ids))
        AND NOT EXISTS (SELECT 1 FROM delivery_ledger l WHERE l.run_id = b.run_id AND l.member_id = u.member_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW delivery_recipient_ledger`);
  }
}
