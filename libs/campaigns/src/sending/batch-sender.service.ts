import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { LineClientFactory, LineErrorCode, LineException, toLineException } from '@app/line';
import {
  DeliveryClock,
  LineMessage,
  MessageRenderer,
  deriveRetryKey,
  inQuietHours,
  isPersonalised,
  nextAllowedSendTime,
  planRequests,
} from '@app/delivery';
import { CampaignCategory, CampaignEntity, CampaignStatus } from '../entities/campaign.entity';
import { DeliveryRequestEntity, RequestStatus } from '../entities/delivery-request.entity';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { DeliveryPolicyService } from '../campaigns/delivery-policy.service';
import { BatchesRepository, ClaimedBatch, NewRequest, RecipientWithMember, RequestOutcome } from './batches.repository';
import { ExpiringCache, Slots } from './send-slots';
import { LineRequestSender } from './line-request.sender';
import { BatchRecipientsRepository } from './batch-recipients.repository';
import { SEND_SKIP_REASON } from './batches.types';
import { withLease } from '../core/lease';

/** LINE keeps a retry key 24 h; past ~23 h a retry could deliver twice, so it is not made. */
const RETRY_KEY_LIFETIME_MS = 23 * 3600 * 1000;
const IN_BATCH_CONCURRENCY = 64;

/**
 * Personalised batches rendered and sending at once per process. One such batch is up to 500
 * pushes with 64 in flight, so a few fill MAX_IN_FLIGHT; more only hold rendered messages and
 * member rows in memory (the other DELIVERY_CONCURRENCY jobs wait here, holding only their ids).
 */
const PUSH_BATCHES_IN_FLIGHT = 4;
const SMALL_BATCH = 50;
/**
 * Campaigns never change after creation except their status, which the claim reads fresh; the
 * channel (token) may, hence a short life. Saves two round trips per batch at hundreds of batches/s.
 */
const CAMPAIGN_CACHE_MS = 10_000;
const CHANNEL_CACHE_MS = 5_000;

type Channel = Awaited<ReturnType<ChannelsService['get']>>;

export type BatchResult = 'sent' | 'not-claimed' | 'released' | 'paused' | 'cancelled';

/** Thrown after a batch's transient failures ran out; the job retries the batch (same keys). */
export class TransientSendError extends Error {}

/** Sends one outbox batch to LINE, exactly once per recipient. */
@Injectable()
export class BatchSenderService {
  private readonly logger = new Logger(BatchSenderService.name);
  private readonly renderer = new MessageRenderer();
  private readonly pushBatches = new Slots(PUSH_BATCHES_IN_FLIGHT);
  /** Batches in flight in this process, whatever the number of jobs carrying them. */
  private readonly inFlight: Slots;
  private readonly campaignCache = new ExpiringCache<CampaignEntity | null>(CAMPAIGN_CACHE_MS);
  private readonly channelCache = new ExpiringCache<Channel>(CHANNEL_CACHE_MS);

  constructor(
    private readonly batches: BatchesRepository,
    private readonly recipients: BatchRecipientsRepository,
    private readonly campaigns: CampaignsRepository,
    private readonly channels: ChannelsService,
    private readonly lineClients: LineClientFactory,
    private readonly requestSender: LineRequestSender,
    private readonly clock: DeliveryClock,
    private readonly policy: DeliveryPolicyService,
    private readonly config: AppConfig,
  ) {
    this.inFlight = new Slots(config.delivery.concurrency);
  }

  /**
   * Sends a job's batches, at most DELIVERY_CONCURRENCY at once per process. Every batch is tried;
   * a failure fails the job once the others have settled, and the job's retry finds the batches
   * already sent no longer claimable.
   */
  async sendAll(workspaceId: string, batchIds: string[]): Promise<BatchResult[]> {
    const settled = await Promise.allSettled(
      batchIds.map(async (batchId) => {
        await this.inFlight.take();
        try {
          return await this.send(workspaceId, batchId);
        } finally {
          this.inFlight.give();
        }
      }),
    );
    const results: BatchResult[] = [];
    const errors: Error[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') results.push(s.value);
      else errors.push(s.reason instanceof Error ? s.reason : new Error(String(s.reason)));
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} of ${batchIds.length} batches failed`);
    return results;
  }

  async send(workspaceId: string, batchId: string): Promise<BatchResult> {
    const leaseMs = this.config.delivery.leaseMs;
    const batch = await this.batches.claim(batchId, this.clock.now(), leaseMs);
    if (batch === null) return 'not-claimed';
    try {
      return await withLease(
        leaseMs,
        () => this.batches.extendLease(batch.id, leaseMs),
        () => this.sendClaimed(workspaceId, batch),
      );
    } catch (e) {
      // Give the batch back so that the job's retry (or the reconciler) can take it at once.
      await this.batches.release(batch.id, null, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  private async sendClaimed(workspaceId: string, batch: ClaimedBatch): Promise<BatchResult> {
    const cached = await this.campaignCache.get(batch.campaignId, () =>
      this.campaigns.find(workspaceId, batch.campaignId),
    );
    if (cached === null || batch.campaignStatus === CampaignStatus.Cancelled) {
      await this.batches.abandon(batch, 'skipped', 'cancelled');
      await this.batches.completeRunIfDone(batch.runId);
      return 'cancelled';
    }
    if (batch.campaignStatus === CampaignStatus.Paused) {
      await this.batches.release(batch.id, null, null);
      return 'paused';
    }
    const campaign: CampaignEntity = { ...cached, status: batch.campaignStatus };
    const channel = await this.channelCache.get(campaign.channelId, () =>
      this.channels.get(workspaceId, campaign.channelId),
    );
    const now = this.clock.now();
    if (this.policy.quietHoursApply(campaign)) {
      const quiet = await this.policy.quietHours(channel);
      if (inQuietHours(now, quiet)) {
        await this.batches.release(batch.id, nextAllowedSendTime(now, quiet), null);
        return 'released';
      }
    }
    if (
      batch.firstAttemptAt !== null &&
      Date.now() - new Date(batch.firstAttemptAt).getTime() > RETRY_KEY_LIFETIME_MS
    ) {
      await this.batches.abandon(batch, 'failed', 'retry_key_expired');
      await this.batches.completeRunIfDone(batch.runId);
      return 'sent';
    }
    const messages = this.policy.runMessages(campaign, batch.messageIndex);
    // Only big personalised batches queue for a slot: an event's one-member batch holds no memory
    // worth bounding and must not wait behind a bulk push campaign.
    const bounded = isPersonalised(messages) && batch.memberIds.length > SMALL_BATCH;
    if (bounded) await this.pushBatches.take();
    try {
      return await this.deliver(workspaceId, campaign, channel, batch, messages);
    } finally {
      if (bounded) this.pushBatches.give();
    }
  }

  /** Plans the batch's requests on its first attempt, sends what is pending, records the answers. */
  private async deliver(
    workspaceId: string,
    campaign: CampaignEntity,
    channel: Channel,
    batch: ClaimedBatch,
    messages: LineMessage[],
  ): Promise<BatchResult> {
    // A first claim finds no requests (they are stored after it): no round trip to look.
    let requests = batch.attempts > 1 ? await this.batches.requests(batch.id) : [];
    let toOf: (q: DeliveryRequestEntity) => string[];
    if (requests.length === 0) {
      const planned = await this.planBatch(campaign, batch, messages);
      requests = planned.requests;
      toOf = (q) => planned.to.get(q.seq) ?? [];
    } else {
      // A retry: its stored requests' members, with their LINE users as of this claim.
      const lineIds = new Map(batch.recipients.map((r) => [r.memberId, r.lineUserId]));
      toOf = (q) => q.memberIds.map((m) => lineIds.get(String(m)) ?? null).filter((u): u is string => u !== null);
    }
    const client = this.lineClients.forChannel(channel);
    const outcomes: RequestOutcome[] = [];
    let quotaHit: LineException | null = null;
    let transient: Error | null = null;
    const pending = requests.filter((q) => q.status === RequestStatus.Pending);
    let next = 0;
    const workerLoop = async (): Promise<void> => {
      while (next < pending.length && quotaHit === null && transient === null) {
        const request = pending[next++];
        const to = toOf(request);
        if (to.length === 0) {
          // Every recipient unlinked since the first attempt: nothing to send, say why.
          outcomes.push({
            seq: request.seq,
            status: RequestStatus.Failed,
            lineRequestId: null,
            error: SEND_SKIP_REASON.notLinked,
          });
          continue;
        }
        try {
          outcomes.push(await this.requestSender.send(client, channel.id, request, to, messages));
        } catch (e) {
          const err = toLineException(e);
          if (err.code === LineErrorCode.QuotaExhausted) quotaHit = err;
          else transient = e instanceof Error ? e : new TransientSendError(err.message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_BATCH_CONCURRENCY, pending.length) }, workerLoop));
    const finished = quotaHit === null && transient === null;
    await this.batches.recordOutcomes(batch, outcomes, finished);
    if (quotaHit !== null) {
      this.policy.forgetUnlimited(channel.id);
      const reason = `Paused: LINE's monthly message quota is used up ("${(quotaHit as LineException).line.lineMessage ?? 'You have reached your monthly limit.'}")`;
      await this.campaigns.setStatus(
        workspaceId,
        campaign.id,
        [CampaignStatus.Running, CampaignStatus.Active, CampaignStatus.Scheduled],
        CampaignStatus.Paused,
        reason,
      );
      await this.batches.release(batch.id, null, reason);
      this.logger.warn(`campaign ${campaign.id}: ${reason}`);
      return 'paused';
    }
    // Assigned inside the request loops, which the compiler's narrowing does not see.
    const failure = transient as Error | null;
    if (failure !== null) throw failure;
    if (await this.batches.completeRunIfDone(batch.runId)) await this.policy.onRunCompleted(workspaceId, campaign.id);
    return 'sent';
  }

  /**
   * First attempt: the batch's recipients with their LINE user as of now (unlinked → skipped),
   * render, group identical messages into multicasts, store requests + retry keys + recipients.
   * Returns the stored requests and each one's LINE user ids by seq. One pass over the recipients
   * for the usual multicast: at 2,000 batches per 1M recipients, the maps and sets built per batch
   * to match members to LINE users again were a tenth of the workers' own time.
   */
  private async planBatch(
    campaign: CampaignEntity,
    batch: ClaimedBatch,
    messages: LineMessage[],
  ): Promise<{ requests: DeliveryRequestEntity[]; to: Map<number, string[]> }> {
    const key = (seq: number): string =>
      deriveRetryKey({ campaignId: campaign.id, runKey: batch.runKey, batchId: batch.id, requestSeq: seq });
    const personalised = isPersonalised(messages);
    const all = personalised ? await this.recipients.recipientsWithMembers(batch) : batch.recipients;
    const skipped: Array<{ memberId: string; reason: string }> = [];
    // The claim answers for every member of the batch; the member rows read for rendering do not
    // include the erased.
    if (all.length !== batch.memberIds.length) {
      const present = new Set(all.map((r) => r.memberId));
      for (const m of batch.memberIds)
        if (!present.has(String(m))) skipped.push({ memberId: String(m), reason: 'erased' });
    }
    const linked: typeof all = [];
    for (const r of all) {
      if (r.lineUserId === null) skipped.push({ memberId: r.memberId, reason: r.skip ?? SEND_SKIP_REASON.notLinked });
      else linked.push(r);
    }
    const planned: NewRequest[] = [];
    const to = new Map<number, string[]>();
    if (linked.length > 0 && !personalised) {
      planned.push({
        seq: 0,
        retryKey: key(0),
        endpoint: linked.length === 1 ? 'push' : 'multicast',
        messages: null,
        memberIds: linked.map((r) => r.memberId),
      });
      to.set(
        0,
        linked.map((r) => r.lineUserId ?? ''),
      );
    }
    if (linked.length > 0 && personalised) {
      const rendered = (linked as RecipientWithMember[]).map((r) => ({
        ledgerId: r.memberId,
        lineUserId: r.lineUserId ?? '',
        messages: this.renderer.render(messages, r.member),
      }));
      for (const p of planRequests(rendered)) {
        planned.push({
          seq: p.seq,
          retryKey: key(p.seq),
          endpoint: p.endpoint,
          messages: p.messages,
          memberIds: p.recipients.map((r) => r.ledgerId),
        });
        to.set(
          p.seq,
          p.recipients.map((r) => r.lineUserId),
        );
      }
    }
    const requests = await this.batches.saveRequests(batch, planned, skipped);
    return { requests, to };
  }
}

export const countsTowardCap = (c: CampaignEntity): boolean => c.category === CampaignCategory.Marketing;
