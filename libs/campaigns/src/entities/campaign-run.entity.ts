import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CampaignEntity } from './campaign.entity';

export enum RunStatus {
  /** Due later (scheduled occurrence, reminder, step of a sequence). */
  Scheduled = 'scheduled',
  /** Snapshotting the audience and writing the ledger and outbox, chunk by chunk. */
  Planning = 'planning',
  Sending = 'sending',
  Completed = 'completed',
  Cancelled = 'cancelled',
  Refused = 'refused',
}

/** Where a run's audience comes from, frozen when the run is created. */
export type RunSource =
  /** `filling`: the snapshot is filled by this run's planning, page by page (AudienceSnapshotter). */
  | { kind: 'segment'; segmentId: string; snapshotId?: string; filling?: boolean }
  | { kind: 'members'; externalIds: string[] }
  | { kind: 'member'; memberId: string }
  /** `memberIds`: the favouriters that matched the trigger's condition at the catalog event. */
  | { kind: 'favourited'; sku: string; memberIds?: string[] };

/**
 * One send of a campaign: the one-off send, one occurrence of a recurring campaign, one event's
 * message or one step of a sequence. `run_key` names it; (campaign, run_key) is unique, so a
 * scheduler tick or an event processed twice makes one run, and the ledger's (run, member)
 * uniqueness then makes one message per person.
 */
@Entity({ name: 'campaign_runs' })
@Index('uq_campaign_runs_key', ['campaignId', 'runKey'], { unique: true })
@Index('ix_campaign_runs_due', ['dueAt'], { where: "status IN ('scheduled', 'planning')" })
@Index('ix_campaign_runs_sending', ['id'], { where: "status = 'sending'" })
@Index('ix_campaign_runs_member', ['triggerMemberId'], {
  where: "status = 'scheduled' AND trigger_member_id IS NOT NULL",
})
export class CampaignRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  @ManyToOne(() => CampaignEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'campaign_id' })
  campaign?: CampaignEntity;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'run_key', type: 'text' })
  runKey!: string;

  @Column({ type: 'enum', enum: RunStatus, enumName: 'campaign_run_status' })
  status!: RunStatus;

  @Column({ type: 'jsonb' })
  source!: RunSource;

  /** Messages of this run (a step of a sequence sends its own). */
  @Column({ name: 'message_index', type: 'jsonb', nullable: true })
  messageIndex!: number[] | null;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  /** Event runs: the member and event that caused them (cancellation by a later purchase). */
  @Column({ name: 'trigger_member_id', type: 'bigint', nullable: true })
  triggerMemberId!: string | null;

  @Column({ name: 'trigger_event_id', type: 'bigint', nullable: true })
  triggerEventId!: string | null;

  /** Keyset cursor of planning: the last member id written to the ledger. */
  @Column({ name: 'planned_through', type: 'bigint', nullable: true })
  plannedThrough!: string | null;

  @Column({ name: 'next_batch_seq', type: 'integer', default: 0 })
  nextBatchSeq!: number;

  @Column({ name: 'audience_size', type: 'integer', default: 0 })
  audienceSize!: number;

  @Column({ name: 'queued_count', type: 'integer', default: 0 })
  queuedCount!: number;

  /** Recipients the quota allows (partial sends); null when unlimited. */
  @Column({ name: 'quota_allowed', type: 'integer', nullable: true })
  quotaAllowed!: number | null;

  /** Skipped recipients by rule: { not_linked: 3, frequency_cap: 10, … }. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  skipped!: Record<string, number>;

  /** Planning lease: another worker takes over a run whose planner died. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
