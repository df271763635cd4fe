import type { DefaultJobOptions, Job, Queue } from 'bullmq';

/**
 * Every BullMQ queue of the engine. Payloads carry ids only: PostgreSQL is the truth and BullMQ
 * keeps job data in clear text in Redis, so no personal data ever goes into a job.
 */
export enum QueueName {
  /** A stored LINE webhook event to process (follow, message, accountLink, …). */
  WebhookEvents = 'webhook-events',
  /** Fetch a LINE user's profile in the background. */
  LineProfiles = 'line-profiles',
  /** Bring users' rich menus on LINE in line with the assignment rules. */
  RichMenuSync = 'rich-menu-sync',
  /** Stream a stored import file into members or events. */
  Imports = 'imports',
  /** An accepted member or catalog event, for event-triggered campaigns. */
  TriggerEvents = 'trigger-events',
  /** Recount or re-snapshot a saved segment. */
  SegmentRefresh = 'segment-refresh',
  /** Plan one run of a campaign: snapshot the audience, apply the rules, fill the outbox. */
  CampaignRuns = 'campaign-runs',
  /** Send one planned batch of a campaign run to LINE. */
  DeliveryBatches = 'delivery-batches',
  /** Periodic jobs: outbox relay, reconcilers, clean-up. */
  Maintenance = 'maintenance',
}

export interface QueuePayloads {
  /** webhook_events.id (our row id, not LINE's webhookEventId). */
  [QueueName.WebhookEvents]: { webhookEventId: string };
  [QueueName.LineProfiles]: { channelId: string; lineUserId: string };
  /**
   * line_users row ids of one channel whose menu may have changed; without ids, the whole
   * channel is recomputed and compared with LINE (reconciliation); without a channel, every channel.
   */
  [QueueName.RichMenuSync]: { channelId?: string; lineUserRowIds?: string[] };
  [QueueName.Imports]: { workspaceId: string; importId: string };
  /**
   * Job name `member-events`: eventIds are events.id of one outbox row (a batch, ascending);
   * `member-event` (older jobs): eventId is one events.id; `catalog-event`: eventId is
   * catalog_events.id (see TriggerJobName in @app/members). Published from trigger_outbox after commit.
   */
  [QueueName.TriggerEvents]: { workspaceId: string; eventIds: string[] } | { workspaceId: string; eventId: string };
  /**
   * Job `count`: recount one saved segment. Job `sweep` (periodic, no ids): queue a count of every
   * segment whose cached count is stale, drop snapshots past retention that no run refers to.
   */
  [QueueName.SegmentRefresh]: { workspaceId: string; segmentId: string } | { sweep: true };
  [QueueName.CampaignRuns]: { workspaceId: string; campaignId: string; runId: string };
  /** Outbox batches of one run, up to BATCHES_PER_JOB (@app/campaigns job-groups.ts). */
  [QueueName.DeliveryBatches]: { workspaceId: string; batchIds: string[] };
  [QueueName.Maintenance]: { task: string };
}

export type PayloadOf<Q extends QueueName> = QueuePayloads[Q];
export type TypedQueue<Q extends QueueName> = Queue<PayloadOf<Q>>;
export type TypedJob<Q extends QueueName> = Job<PayloadOf<Q>>;

/** Retries with back-off for transient failures; failed jobs stay visible for a week. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
