import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelEntity } from '@app/workspaces';
import { LineChannelClient, LineClientFactory, LineErrorCode, toLineException } from '@app/line';
import { DeliveryClock, LineMessage, MessageRenderer, deriveRetryKey, isPersonalised } from '@app/delivery';
import { CampaignEntity, CampaignStatus } from '../entities/campaign.entity';
import { RequestStatus } from '../entities/delivery-request.entity';
import { BatchesRepository } from '../sending/batches.repository';
import { BatchRecipientsRepository } from '../sending/batch-recipients.repository';
import {
  SEND_SKIP_REASON,
  type BatchOutcomes,
  type BatchRequests,
  type ClaimedBatch,
  type RecipientWithMember,
} from '../sending/batches.types';
import type { PlannedEventBatch } from './event-runs.repository';

/** LINE calls of one send in flight at once. */
const CALLS_IN_FLIGHT = 32;

/**
 * Sends many one-member batches of one campaign (an event's thank-you to each of many members)
 * with the batch sender's statements (BatchesRepository), each made once for all of them instead
 * of once per batch: claim, store every request with its retry key before any call, one push
 * each, record the answers, complete the runs. Only the plain road is taken here: a batch whose
 * campaign was paused or cancelled since, or whose push needs a retry (429 for the rate, 5xx,
 * timeout) or hit the monthly quota, is given back and returned, for BatchSenderService to send
 * with the same stored request and retry key (its back-off, the pause on the quota and the
 * cancellation stay in one place).
 */
@Injectable()
export class EventBatchesSender {
  private readonly renderer = new MessageRenderer();

  constructor(
    private readonly batches: BatchesRepository,
    private readonly recipients: BatchRecipientsRepository,
    private readonly lineClients: LineClientFactory,
    private readonly clock: DeliveryClock,
    private readonly config: AppConfig,
  ) {}

  /** Returns the batches left for BatchSenderService (pending again). */
  async send(
    campaign: CampaignEntity,
    channel: ChannelEntity,
    messages: LineMessage[],
    batchIds: string[],
  ): Promise<string[]> {
    const claimed = await this.batches.claimMany(batchIds, this.clock.now(), this.config.delivery.leaseMs);
    return this.sendMine(campaign, channel, messages, claimed);
  }

  /**
   * {@link send} for batches written already claimed by this process (EventRunsRepository with
   * `sendNow`): the campaign was active and each member reachable in the statement that wrote them.
   */
  sendPlanned(
    campaign: CampaignEntity,
    channel: ChannelEntity,
    messages: LineMessage[],
    planned: PlannedEventBatch[],
  ): Promise<string[]> {
    const claimed = planned.map((p): ClaimedBatch => ({
      id: p.batchId,
      runId: p.runId,
      campaignId: campaign.id,
      workspaceId: campaign.workspaceId,
      channelId: channel.id,
      seq: 0,
      firstAttemptAt: p.firstAttemptAt,
      attempts: 1,
      memberIds: [p.memberId],
      runKey: p.runKey,
      messageIndex: p.messageIndex,
      campaignStatus: CampaignStatus.Active,
      recipients: [{ memberId: p.memberId, lineUserId: p.lineUserId, skip: null }],
    }));
    // The member fields came with the plan: no read of them before the push.
    const fields = new Map(
      planned.map((p): [string, RecipientWithMember[]] => [
        p.batchId,
        [{ memberId: p.memberId, lineUserId: p.lineUserId, skip: null, member: p.member }],
      ]),
    );
    return this.sendMine(campaign, channel, messages, claimed, fields);
  }

  private async sendMine(
    campaign: CampaignEntity,
    channel: ChannelEntity,
    messages: LineMessage[],
    claimed: ClaimedBatch[],
    planned?: Map<string, RecipientWithMember[]>,
  ): Promise<string[]> {
    if (claimed.length === 0) return [];
    const live = (b: ClaimedBatch): boolean =>
      b.campaignStatus !== CampaignStatus.Paused && b.campaignStatus !== CampaignStatus.Cancelled;
    const mine = claimed.filter((b) => live(b) && b.memberIds.length === 1);
    const left = claimed.filter((b) => !mine.includes(b)).map((b) => b.id);
    try {
      left.push(...(await this.sendClaimed(campaign, channel, messages, mine, planned)));
    } catch (e) {
      // Nothing is lost either way: what was not recorded is pending again (or its lease expires).
      await this.batches.releaseMany(
        claimed.map((b) => b.id),
        null,
        e instanceof Error ? e.message : String(e),
      );
      throw e;
    }
    await this.batches.releaseMany(left, null, null);
    return left;
  }

  /** Returns the batches to give back. */
  private async sendClaimed(
    campaign: CampaignEntity,
    channel: ChannelEntity,
    messages: LineMessage[],
    claimed: ClaimedBatch[],
    planned?: Map<string, RecipientWithMember[]>,
  ): Promise<string[]> {
    if (claimed.length === 0) return [];
    const personalised = isPersonalised(messages);
    // As BatchSenderService.planBatch: a member gone since planning has no row here (erased).
    const members = !personalised
      ? null
      : (planned ?? (await this.recipients.recipientsWithMembersOf(claimed.map((b) => b.id))));
    const saved: BatchRequests[] = [];
    const sends: Array<{ batch: ClaimedBatch; to: string; retryKey: string; messages: LineMessage[] }> = [];
    for (const batch of claimed) {
      const withMember = members?.get(batch.id)?.[0];
      const r = members === null ? batch.recipients[0] : withMember;
      const memberId = batch.memberIds[0];
      if (r === undefined) {
        saved.push({ batch, requests: [], skipped: [{ memberId, reason: 'erased' }] });
      } else if (r.lineUserId === null) {
        saved.push({ batch, requests: [], skipped: [{ memberId, reason: r.skip ?? SEND_SKIP_REASON.notLinked }] });
      } else {
        const retryKey = deriveRetryKey({
          campaignId: campaign.id,
          runKey: batch.runKey,
          batchId: batch.id,
          requestSeq: 0,
        });
        const rendered = withMember === undefined ? null : this.renderer.render(messages, withMember.member);
        saved.push({
          batch,
          requests: [{ seq: 0, retryKey, endpoint: 'push', messages: rendered, memberIds: [memberId] }],
          skipped: [],
        });
        sends.push({ batch, to: r.lineUserId, retryKey, messages: rendered ?? messages });
      }
    }
    // Durable before any call: a retry after a crash finds the request and sends with the same key.
    await this.batches.saveRequestsMany(saved);
    const client = this.lineClients.forChannel(channel);
    const done: BatchOutcomes[] = saved
      .filter((s) => s.requests.length === 0)
      .map((s) => ({ batch: s.batch, outcomes: [], finished: true }));
    const retry: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < sends.length) {
        const q = sends[next++];
        const answered = (
          status: RequestStatus.Accepted | RequestStatus.Failed,
          id: string | null,
          error: string | null,
        ) => done.push({ batch: q.batch, outcomes: [{ seq: 0, status, lineRequestId: id, error }], finished: true });
        try {
          const res = await client.pushMessage(q.to, q.messages as Parameters<LineChannelClient['pushMessage']>[1], {
            retryKey: q.retryKey,
          });
          answered(RequestStatus.Accepted, res.requestId, null);
        } catch (e) {
          const err = toLineException(e);
          if (err.code === LineErrorCode.RetryKeyAccepted) {
            answered(RequestStatus.Accepted, err.line.acceptedRequestId ?? null, null);
          } else if (err.code !== LineErrorCode.QuotaExhausted && !err.retryable) {
            answered(RequestStatus.Failed, err.line.requestId ?? null, err.line.lineMessage ?? err.message);
          } else {
            retry.push(q.batch.id);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CALLS_IN_FLIGHT, sends.length) }, lane));
    // An event's run is one batch: finishing it completes the run in the same statement.
    const completed = new Set(await this.batches.recordOutcomesMany(done, true));
    await this.batches.completeRunsIfDone(
      [...new Set(done.map((d) => d.batch.runId))].filter((r) => !completed.has(r)),
    );
    return retry;
  }
}
