import { Entity, PrimaryColumn } from 'typeorm';

/**
 * The exactly-once guard: one narrow row per (run, member) of the audience, queued or skipped,
 * inserted set-based by planning with ON CONFLICT DO NOTHING. Runs are unique per (campaign,
 * run_key), so this is one row per (campaign, run key, member). No foreign keys on purpose: a
 * per-row FK check (a FOR KEY SHARE lock on the member) costs more than the insert itself, and
 * the row holds no personal data (an internal member id), so erasure needs nothing here.
 */
@Entity({ name: 'delivery_recipients' })
export class DeliveryRecipientEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ name: 'member_id', type: 'bigint' })
  memberId!: string;
}
