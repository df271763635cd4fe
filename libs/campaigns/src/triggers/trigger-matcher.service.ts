import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { preparedRows } from '@app/common';
import { DeliveryClock } from '@app/delivery';
import { MemberFacts, MemberFactsLoader, membersInSql, PreparedRule, SegmentsService } from '@app/segments';
import { CampaignEntity } from '../entities/campaign.entity';
import { RunStatus } from '../entities/campaign-run.entity';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { localTimeDaysBefore } from '../core/schedule';

interface EventRow {
  id: string;
  member_id: string;
  type: string;
  occurred_at: Date;
  properties: Record<string, unknown>;
}

/** A run an event starts, before its insert. */
interface PlannedRun {
  campaignId: string;
  runKey: string;
  dueAt: Date;
  messageIndex: number[] | null;
  memberId: string;
  eventId: string;
}

/**
 * What matching needs besides the events, read before any transaction: the workspace's active
 * event campaigns and their prepared conditions (both cached). Reading them inside the matching
 * transaction took further pooled connections while holding one: enough trigger-events jobs at
 * once then held every connection of the pool, each waiting for another, and the worker stopped
 * for good (seen at 500 events/s once the outbox sweep turned a backlog into jobs).
 */
export interface MatchContext {
  campaigns: CampaignEntity[];
  conditions: Map<string, PreparedRule | null>;
}

export interface NewRun {
  runId: string;
  campaignId: string;
  dueAt: Date;
}

const DAY_MS = 24 * 3600 * 1000;

/** The member event type that starts each trigger (catalog triggers come from catalog events). */
const MEMBER_EVENT_OF: Record<string, string | undefined> = {
  purchase: 'purchase',
  reservation: 'reservation',
  cart_abandoned: 'cart_add',
  signup_sequence: 'signup',
};

/**
 * Turns an accepted event into runs of the event-triggered campaigns it matches. Run keys make
 * each event's message (and each step of a member's sequence) happen once, however often the
 * event is redelivered. A purchase cancels the member's pending cart reminders and stops their
 * step sequences (also re-checked when those runs fall due).
 */
@Injectable()
export class TriggerMatcherService {
  private cache = new Map<string, { at: number; campaigns: CampaignEntity[] }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly clock: DeliveryClock,
    private readonly segments: SegmentsService,
    private readonly facts: MemberFactsLoader,
  ) {}

  private readonly prepared = new Map<string, { at: number; rule: PreparedRule }>();

  /** The campaign's prepared condition (inline rule or saved segment), cached like the campaigns. */
  private async conditionOf(c: CampaignEntity): Promise<PreparedRule | null> {
    if (c.trigger.type !== 'event') return null;
    const { condition, segmentId } = c.trigger;
    if (condition === undefined && segmentId === undefined) return null;
    const hit = this.prepared.get(c.id);
    if (hit !== undefined && Date.now() - hit.at < 5_000) return hit.rule;
    const rule =
      segmentId !== undefined
        ? await this.segments.prepareSegment(c.workspaceId, segmentId)
        : await this.segments.prepare(c.workspaceId, condition);
    this.prepared.set(c.id, { at: Date.now(), rule });
    return rule;
  }

  /**
   * Whether the member matches the campaign's condition now, with the segments lib's in-memory
   * evaluator over the one member's facts (loaded once per event, only when a condition exists).
   */
  private async conditionHolds(
    ctx: MatchContext,
    c: CampaignEntity,
    facts: () => Promise<MemberFacts | null>,
    now: Date,
  ): Promise<boolean> {
    const rule = ctx.conditions.get(c.id) ?? null;
    if (rule === null) return true;
    const f = await facts();
    return f !== null && this.segments.evaluateMember(rule, f, c.channelId, now);
  }

  private async eventCampaigns(workspaceId: string): Promise<CampaignEntity[]> {
    const hit = this.cache.get(workspaceId);
    if (hit !== undefined && Date.now() - hit.at < 1_000) return hit.campaigns;
    const campaigns = await this.campaigns.activeEventCampaigns(workspaceId);
    this.cache.set(workspaceId, { at: Date.now(), campaigns });
    return campaigns;
  }

  /** The workspace's member-event campaigns and their conditions (see MatchContext): no transaction needed. */
  async context(workspaceId: string): Promise<MatchContext> {
    const campaigns = (await this.eventCampaigns(workspaceId)).filter(
      (c) => c.trigger.type === 'event' && c.trigger.event !== 'catalog',
    );
    const conditions = new Map<string, PreparedRule | null>();
    for (const c of campaigns) conditions.set(c.id, await this.conditionOf(c));
    return { campaigns, conditions };
  }

  /** A batch of member events (a trigger-events job): matched in a transaction of its own. */
  async onMemberEvents(workspaceId: string, eventIds: string[]): Promise<NewRun[]> {
    const ctx = await this.context(workspaceId);
    return this.dataSource.transaction((em) => this.matchMemberEvents(em, workspaceId, eventIds, ctx));
  }

  /**
   * Matches a batch of member events of one workspace in the caller's transaction (the stream
   * relay's, which also deletes their outbox row): the events are read in one query, the runs
   * inserted in one statement, the purchases' cancellations made in one more. Events are taken in
   * id order, and a purchase cancels only runs of events ingested before it, so a batch holding a
   * cart add and the purchase that follows it ends as the two jobs processed in turn would.
   */
  async matchMemberEvents(
    em: EntityManager,
    workspaceId: string,
    eventIds: string[],
    ctx: MatchContext,
  ): Promise<NewRun[]> {
    const campaigns = ctx.campaigns;
    if (campaigns.length === 0 || eventIds.length === 0) return [];
    const stoppable = campaigns
      .filter(
        (c) =>
          c.trigger.type === 'event' && (c.trigger.event === 'cart_abandoned' || c.trigger.event === 'signup_sequence'),
      )
      .map((c) => c.id);
    const types = new Set(campaigns.map((c) => (c.trigger.type === 'event' ? MEMBER_EVENT_OF[c.trigger.event] : '')));
    if (stoppable.length > 0) types.add('purchase');
    // Unnamed, planned each time: see preparedRows for why this one is not prepared.
    const events = await em.query<EventRow[]>(
      `SELECT id, member_id, type, occurred_at, properties FROM events
       WHERE workspace_id = $1 AND id = ANY($2::bigint[]) AND type::text = ANY($3::text[]) ORDER BY id`,
      [workspaceId, eventIds, [...types]],
    );
    const now = this.clock.now();
    const planned: PlannedRun[] = [];
    for (const event of events) planned.push(...(await this.runsOf(em, ctx, workspaceId, event, now)));
    const created = await this.insertRuns(em, workspaceId, planned);
    const purchases = events.filter((e) => e.type === 'purchase');
    if (stoppable.length > 0 && purchases.length > 0) {
      await em.query(
        `UPDATE campaign_runs r SET status = 'cancelled', finished_at = now(),
                status_reason = CASE WHEN r.run_key LIKE 'cart:%' THEN 'purchased after the cart add' ELSE 'converted (purchased)' END
         FROM unnest($2::bigint[], $3::bigint[]) AS p(member_id, event_id)
         WHERE r.campaign_id = ANY($1::uuid[]) AND r.trigger_member_id = p.member_id AND r.status = 'scheduled'
           AND (r.trigger_event_id IS NULL OR r.trigger_event_id < p.event_id)`,
        [stoppable, purchases.map((e) => e.member_id), purchases.map((e) => e.id)],
      );
    }
    return created;
  }

  /** The runs one event starts, by campaign (conditions checked over the member's facts). */
  private async runsOf(
    em: EntityManager,
    ctx: MatchContext,
    workspaceId: string,
    event: EventRow,
    now: Date,
  ): Promise<PlannedRun[]> {
    const runs: PlannedRun[] = [];
    const add = (c: CampaignEntity, runKey: string, dueAt: Date, messageIndex: number[] | null): void => {
      runs.push({ campaignId: c.id, runKey, dueAt, messageIndex, memberId: event.member_id, eventId: event.id });
    };
    let loaded: Promise<MemberFacts | null> | undefined;
    const facts = (): Promise<MemberFacts | null> => (loaded ??= this.facts.load(workspaceId, event.member_id, { em }));
    for (const c of ctx.campaigns) {
      if (c.trigger.type !== 'event') continue;
      const t = c.trigger;
      if (MEMBER_EVENT_OF[t.event] !== event.type || !(await this.conditionHolds(ctx, c, facts, now))) continue;
      if (t.event === 'purchase' && event.type === 'purchase') {
        add(c, `event:${event.id}`, now, null);
      } else if (t.event === 'reservation' && event.type === 'reservation') {
        const startsAt = new Date(String(event.properties.startsAt));
        if (Number.isNaN(startsAt.getTime())) continue;
        const due = localTimeDaysBefore(startsAt, t.daysBefore ?? 1, t.atTime ?? '18:00', t.timezone);
        if (due.getTime() > startsAt.getTime() || startsAt <= now) continue;
        add(c, `event:${event.id}`, due < now ? now : due, null);
      } else if (t.event === 'cart_abandoned' && event.type === 'cart_add') {
        const due = new Date(new Date(event.occurred_at).getTime() + (t.delayMinutes ?? 60) * 60_000);
        add(c, `cart:${event.id}`, due < now ? now : due, null);
      } else if (t.event === 'signup_sequence' && event.type === 'signup') {
        const days = t.stepDays ?? [0, 3, 7];
        for (const [i, d] of days.entries()) {
          const due = new Date(new Date(event.occurred_at).getTime() + d * DAY_MS);
          add(c, `seq:${event.member_id}:${i}`, due < now ? now : due, [i]);
        }
      }
    }
    return runs;
  }

  /** One INSERT for all the runs; (campaign, run key) already there → not created again. */
  private async insertRuns(em: EntityManager, workspaceId: string, runs: PlannedRun[]): Promise<NewRun[]> {
    if (runs.length === 0) return [];
    const rows = await preparedRows<{ id: string; campaign_id: string; due_at: Date }>(
      em,
      `INSERT INTO campaign_runs
         (campaign_id, workspace_id, run_key, status, source, due_at, message_index, trigger_member_id, trigger_event_id)
       SELECT t.campaign_id, $1::uuid, t.run_key, 'scheduled'::campaign_run_status, jsonb_build_object('kind', 'member', 'memberId', t.member_id::text),
              t.due_at, t.message_index, t.member_id, t.event_id
       FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::bigint[], $7::bigint[])
         AS t(campaign_id, run_key, due_at, message_index, member_id, event_id)
       ON CONFLICT (campaign_id, run_key) DO NOTHING
       RETURNING id, campaign_id, due_at`,
      [
        workspaceId,
        runs.map((r) => r.campaignId),
        runs.map((r) => r.runKey),
        runs.map((r) => r.dueAt),
        runs.map((r) => (r.messageIndex === null ? null : JSON.stringify(r.messageIndex))),
        runs.map((r) => r.memberId),
        runs.map((r) => r.eventId),
      ],
    );
    return rows.map((r) => ({ runId: r.id, campaignId: r.campaign_id, dueAt: new Date(r.due_at) }));
  }

  /**
   * The favouriters of `sku` that match the campaign's condition now, or undefined without one.
   * One set-based query over the compiled rule (same meaning as the in-memory evaluator): a
   * popular product has too many favouriters to load facts one member at a time.
   */
  private async favouritersMatching(c: CampaignEntity, sku: string, now: Date): Promise<string[] | undefined> {
    const rule = await this.conditionOf(c);
    if (rule === null) return undefined;
    const compiled = this.segments.compile(rule, c.workspaceId, c.channelId, now);
    const favouriters = `ARRAY(SELECT e.member_id FROM events e WHERE e.workspace_id = $1::uuid AND e.type = 'favorite'
                          AND e.sku = ${compiled.params.add(sku, 'text')})`;
    const rows = await this.dataSource.query<Array<{ member_id: string }>>(
      membersInSql(compiled, rule.restrictToReachable, favouriters),
      compiled.params.values,
    );
    return rows.map((r) => r.member_id);
  }

  /** Restock or price drop: one run to the members who favourited the product (and match its condition). */
  async onCatalogEvent(workspaceId: string, catalogEventId: string): Promise<NewRun[]> {
    const [ce] = await this.dataSource.query<Array<{ id: string; sku: string; kind: 'back_in_stock' | 'price_drop' }>>(
      `SELECT id, sku, kind FROM catalog_events WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, catalogEventId],
    );
    if (ce === undefined) return [];
    const created: NewRun[] = [];
    const now = this.clock.now();
    for (const c of await this.eventCampaigns(workspaceId)) {
      if (c.trigger.type !== 'event' || c.trigger.event !== 'catalog') continue;
      if (!(c.trigger.catalogKinds ?? ['back_in_stock', 'price_drop']).includes(ce.kind)) continue;
      const run = await this.campaigns.insertRun({
        campaignId: c.id,
        workspaceId,
        runKey: `catalog:${ce.id}`,
        status: RunStatus.Scheduled,
        source: { kind: 'favourited', sku: ce.sku, memberIds: await this.favouritersMatching(c, ce.sku, now) },
        dueAt: now,
      });
      if (run !== null) created.push({ runId: run.id, campaignId: c.id, dueAt: now });
    }
    return created;
  }
}
