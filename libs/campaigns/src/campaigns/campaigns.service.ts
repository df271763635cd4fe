import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ErrorDetail } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { SegmentsService } from '@app/segments';
import { DeliveryClock, LineMessage, MessageRenderer } from '@app/delivery';
import {
  CampaignAudience,
  CampaignCategory,
  CampaignEntity,
  CampaignStatus,
  CampaignTrigger,
  QuotaPolicy,
} from '../entities/campaign.entity';
import { RunStatus } from '../entities/campaign-run.entity';
import { CampaignsException } from '../campaigns.exception';
import {
  DEFAULT_TIMEZONE,
  cronProblem,
  isValidTimezone,
  nextCronOccurrence,
  parseLocalDateTime,
} from '../core/schedule';
import { CreateCampaignDto } from '../http/campaigns.dto';
import { PlannerRepository } from '../planning/planner.repository';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { sourceOf } from '../outbox/campaign-scheduler.service';
import { CampaignView, toCampaignView } from './campaign.view';
import { CampaignsRepository } from './campaigns.repository';

/** A block this long after the send counts against the campaign. */
const BLOCK_WINDOW_DAYS = 7;
@Injectable()
export class CampaignsService {
  private readonly renderer = new MessageRenderer();

  constructor(
    private readonly segments: SegmentsService,
    private readonly repository: CampaignsRepository,
    private readonly channels: ChannelsService,
    private readonly relay: OutboxRelay,
    private readonly clock: DeliveryClock,
    private readonly planner: PlannerRepository,
  ) {}

  async create(workspaceId: string, dto: CreateCampaignDto): Promise<CampaignView> {
    await this.channels.get(workspaceId, dto.channelId);
    const { trigger, audience, problems } = this.validate(dto);
    if (problems.length > 0) throw CampaignsException.invalid(problems);
    // The segments lib validates rules and names the offending field (400), as on /segments.
    if (trigger.type === 'event' && trigger.condition !== undefined)
      await this.segments.prepare(workspaceId, trigger.condition);
    if (trigger.type === 'event' && trigger.segmentId !== undefined)
      await this.segments.get(workspaceId, trigger.segmentId);
    if (audience?.type === 'segment') await this.segments.get(workspaceId, audience.segmentId);
    const campaign = await this.repository.insert(workspaceId, {
      channelId: dto.channelId,
      name: dto.name,
      status: CampaignStatus.Draft,
      statusReason: null,
      category: dto.category === 'transactional' ? CampaignCategory.Transactional : CampaignCategory.Marketing,
      quietHoursExempt: dto.quietHoursExempt ?? false,
      quotaPolicy: dto.quotaPolicy === 'partial' ? QuotaPolicy.Partial : QuotaPolicy.Refuse,
      audience,
      messages: dto.messages as LineMessage[],
      trigger,
      nextRunAt: null,
    });
    if (dto.start !== false) return this.start(workspaceId, campaign.id);
    return this.get(workspaceId, campaign.id);
  }

  private validate(dto: CreateCampaignDto): {
    trigger: CampaignTrigger;
    audience: CampaignAudience | null;
    problems: ErrorDetail[];
  } {
    const problems: ErrorDetail[] = this.renderer.validate(dto.messages as LineMessage[]);
    dto.messages.forEach((m, i) => {
      if (typeof m.type !== 'string')
        problems.push({ field: `messages[${i}].type`, reason: 'must be a LINE message type' });
    });
    const t = dto.trigger;
    const tz = t.timezone ?? DEFAULT_TIMEZONE;
    if (!isValidTimezone(tz)) problems.push({ field: 'trigger.timezone', reason: `unknown time zone "${tz}"` });
    let trigger: CampaignTrigger = { type: 'now' };
    if (t.type === 'once') {
      const at = t.at === undefined ? null : parseLocalDateTime(t.at, tz);
      if (at === null) problems.push({ field: 'trigger.at', reason: 'must be a date-time like 2026-03-01T10:00' });
      trigger = { type: 'once', at: at?.toISOString() ?? '', timezone: tz };
    } else if (t.type === 'recurring') {
      const problem = t.cron === undefined ? 'is required' : cronProblem(t.cron, tz);
      if (problem !== null) problems.push({ field: 'trigger.cron', reason: problem });
      trigger = { type: 'recurring', cron: t.cron ?? '', timezone: tz };
    } else if (t.type === 'event') {
      if (t.event === undefined) problems.push({ field: 'trigger.event', reason: 'is required for event triggers' });
      if (t.event === 'signup_sequence' && (t.stepDays?.length ?? 0) !== dto.messages.length) {
        problems.push({ field: 'trigger.stepDays', reason: 'give one day per message (step i sends messages[i])' });
      }
      trigger = {
        type: 'event',
        event: t.event ?? 'purchase',
        delayMinutes: t.delayMinutes,
        daysBefore: t.daysBefore,
        atTime: t.atTime,
        stepDays: t.stepDays,
        catalogKinds: t.catalogKinds,
        condition: t.condition,
        segmentId: t.segmentId,
        timezone: tz,
      };
    }
    let audience: CampaignAudience | null = null;
    if (t.type !== 'event') {
      const a = dto.audience;
      if (a === undefined) problems.push({ field: 'audience', reason: 'is required unless the trigger is an event' });
      else if (a.type === 'segment' && a.segmentId === undefined)
        problems.push({ field: 'audience.segmentId', reason: 'is required' });
      else if (a.type === 'members' && a.externalIds === undefined)
        problems.push({ field: 'audience.externalIds', reason: 'is required' });
      else
        audience =
          a.type === 'segment'
            ? { type: 'segment', segmentId: a.segmentId ?? '' }
            : { type: 'members', externalIds: a.externalIds ?? [] };
    }
    return { trigger, audience, problems };
  }

  async start(workspaceId: string, id: string): Promise<CampaignView> {
    const c = await this.getEntity(workspaceId, id);
    if (c.status !== CampaignStatus.Draft)
      throw CampaignsException.invalidState(`Campaign ${id} is ${c.status}, not a draft`);
    const now = this.clock.now();
    if (c.trigger.type === 'now' || c.trigger.type === 'once') {
      const due = c.trigger.type === 'once' ? new Date(c.trigger.at) : now;
      const run = await this.repository.insertRun({
        campaignId: c.id,
        workspaceId,
        runKey: 'once',
        status: RunStatus.Scheduled,
        source: sourceOf(c),
        dueAt: due,
      });
      const status = c.trigger.type === 'now' ? CampaignStatus.Running : CampaignStatus.Scheduled;
      await this.repository.setStatus(workspaceId, c.id, [CampaignStatus.Draft], status, null);
      if (run !== null && due <= now) await this.relay.enqueueRun(workspaceId, c.id, run.id);
    } else {
      const nextRunAt =
        c.trigger.type === 'recurring' ? nextCronOccurrence(c.trigger.cron, c.trigger.timezone, now) : null;
      await this.repository.setStatus(workspaceId, c.id, [CampaignStatus.Draft], CampaignStatus.Active, null, {
        nextRunAt,
      });
    }
    return this.get(workspaceId, id);
  }

  async get(workspaceId: string, id: string): Promise<CampaignView> {
    const c = await this.getEntity(workspaceId, id);
    return toCampaignView(c, await this.repository.progress(workspaceId, id));
  }

  /** GET /campaigns/{id}: the view with the block rate (a scan of the sent; not for the stream or polling). */
  async detail(workspaceId: string, id: string): Promise<CampaignView> {
    const [view, b] = await Promise.all([
      this.get(workspaceId, id),
      this.repository.blocks(workspaceId, id, BLOCK_WINDOW_DAYS),
    ]);
    return { ...view, blocks: { windowDays: BLOCK_WINDOW_DAYS, ...b, rate: b.sent === 0 ? 0 : b.blocked / b.sent } };
  }

  async list(workspaceId: string, limit = 100): Promise<CampaignView[]> {
    const campaigns = await this.repository.list(workspaceId, limit);
    return Promise.all(
      campaigns.map(async (c) => toCampaignView(c, await this.repository.progress(workspaceId, c.id))),
    );
  }

  async getEntity(workspaceId: string, id: string): Promise<CampaignEntity> {
    const c = await this.repository.find(workspaceId, id);
    if (c === null) throw CampaignsException.notFound(id);
    return c;
  }

  async pause(workspaceId: string, id: string): Promise<CampaignView> {
    const ok = await this.repository.setStatus(
      workspaceId,
      id,
      [CampaignStatus.Running, CampaignStatus.Scheduled, CampaignStatus.Active],
      CampaignStatus.Paused,
      'Paused by a user',
    );
    if (!ok) throw CampaignsException.invalidState(`Campaign ${id} cannot be paused in its state`);
    return this.get(workspaceId, id);
  }

  /** Resumes where it stopped: open batches are picked up by the reconciler at once. */
  async resume(workspaceId: string, id: string): Promise<CampaignView> {
    const c = await this.getEntity(workspaceId, id);
    if (c.status !== CampaignStatus.Paused) throw CampaignsException.invalidState(`Campaign ${id} is not paused`);
    const runs = await this.repository.listRuns(workspaceId, id, 1000);
    const open = runs.some((r) => r.status === RunStatus.Sending || r.status === RunStatus.Planning);
    const to =
      c.trigger.type === 'recurring' || c.trigger.type === 'event'
        ? CampaignStatus.Active
        : open || runs.every((r) => r.status !== RunStatus.Scheduled)
          ? CampaignStatus.Running
          : CampaignStatus.Scheduled;
    await this.repository.setStatus(workspaceId, id, [CampaignStatus.Paused], to, null);
    await this.planner.transaction((em) =>
      em.query(`UPDATE delivery_batches SET enqueued_at = NULL WHERE campaign_id = $1 AND status = 'pending'`, [id]),
    );
    await this.relay.reconcile();
    return this.get(workspaceId, id);
  }

  async cancel(workspaceId: string, id: string): Promise<CampaignView> {
    const ok = await this.repository.setStatus(
      workspaceId,
      id,
      [
        CampaignStatus.Draft,
        CampaignStatus.Running,
        CampaignStatus.Scheduled,
        CampaignStatus.Active,
        CampaignStatus.Paused,
      ],
      CampaignStatus.Cancelled,
      'Cancelled by a user',
      { nextRunAt: null },
    );
    if (!ok) throw CampaignsException.invalidState(`Campaign ${id} is already finished`);
    await this.repository.cancelOpenRuns(workspaceId, id, 'campaign cancelled');
    // Open batches are cancelled by the sender when it next takes them (skipped: cancelled).
    await this.planner.transaction((em) =>
      em.query(`UPDATE delivery_batches SET enqueued_at = NULL WHERE campaign_id = $1 AND status = 'pending'`, [id]),
    );
    await this.relay.reconcile();
    return this.get(workspaceId, id);
  }

  /** Sends the campaign's messages now to the given members, under a run of its own. */
  async testSend(workspaceId: string, id: string, externalIds: string[]): Promise<{ runId: string }> {
    const c = await this.getEntity(workspaceId, id);
    const run = await this.repository.insertRun({
      campaignId: c.id,
      workspaceId,
      runKey: `test:${randomUUID()}`,
      status: RunStatus.Scheduled,
      source: { kind: 'members', externalIds },
      dueAt: this.clock.now(),
    });
    if (run === null) throw new Error('test run key collided');
    await this.relay.enqueueRun(workspaceId, c.id, run.id);
    return { runId: run.id };
  }
}
