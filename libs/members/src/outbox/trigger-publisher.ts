import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource, EntityManager } from 'typeorm';
import { InjectTypedQueue, PayloadOf, preparedRows, QueueName, REDIS, RedisKeys, TypedQueue } from '@app/common';
import { TriggerSource } from '../entities/trigger-outbox.entity';

/** BullMQ job names on QueueName.TriggerEvents. */
export enum TriggerJobName {
  /** `eventIds`: up to TRIGGER_BATCH_MAX_EVENTS events.id of one outbox row, ascending. */
  MemberEvents = 'member-events',
  /**
   * `eventId`: one events.id. Published before member events travelled in batches; still
   * consumed, so that jobs queued by an older version are matched after an upgrade.
   */
  MemberEvent = 'member-event',
  /** `eventId`: one catalog_events.id (it fans out to the product's favouriters on its own). */
  CatalogEvent = 'catalog-event',
}

/**
 * The most member events matched in one transaction: an outbox row of at most this many is
 * matched inline by the worker's stream relay, a bigger one (bulk loads, imports) becomes jobs of
 * this many. The api's shared one-event statements stay within it (EventsService): when they did
 * not (groups of up to 200 against an inline limit of 100), a moment of api backlog sent its
 * events down a road of one job and one keyset planning per event, several times the work, and at
 * 500 events/s the workers never caught up (`bench:triggers`: commit → run p99 10–24 s).
 */
export const TRIGGER_BATCH_MAX_EVENTS = 200;

/**
 * The job id makes a re-publication (crash after addBulk, before the delete commits; the same
 * events in a row written again) a no-op: a batch is named by its first and last event.
 */
export const triggerJobId = (name: TriggerJobName, id: string): string => `${name}-${id}`;
const memberBatchJobId = (ids: string[]): string =>
  triggerJobId(TriggerJobName.MemberEvents, `${ids[0]}-${ids[ids.length - 1]}`);

/** A row's event ids, ascending, in batches of TRIGGER_BATCH_MAX_EVENTS. */
export function eventBatches(ids: string[]): string[][] {
  const sorted = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  const out: string[][] = [];
  for (let i = 0; i < sorted.length; i += TRIGGER_BATCH_MAX_EVENTS)
    out.push(sorted.slice(i, i + TRIGGER_BATCH_MAX_EVENTS));
  return out;
}

type TriggerEventsPayload = PayloadOf<QueueName.TriggerEvents>;

interface OutboxRow {
  id: string;
  workspace_id: string;
  source: TriggerSource;
  ids: string[];
}

/** Catalog events one job each; member events in batches, matched and launched together. */
function jobsOf(row: OutboxRow): Array<{ name: TriggerJobName; data: TriggerEventsPayload; opts: { jobId: string } }> {
  const ids = row.ids.map(String);
  if (row.source === TriggerSource.Catalog) {
    return ids.map((id) => ({
      name: TriggerJobName.CatalogEvent,
      data: { workspaceId: row.workspace_id, eventId: id },
      opts: { jobId: triggerJobId(TriggerJobName.CatalogEvent, id) },
    }));
  }
  return eventBatches(ids).map((eventIds) => ({
    name: TriggerJobName.MemberEvents,
    data: { workspaceId: row.workspace_id, eventIds },
    opts: { jobId: memberBatchJobId(eventIds) },
  }));
}

/** Member events of one outbox row, handed to an inline consumer instead of becoming jobs. */
export interface TriggerEventBatch {
  workspaceId: string;
  eventIds: string[];
}

/**
 * Consumes small member-event rows in the publisher's transaction (the worker matches them
 * against campaigns there): what it writes commits with the rows' delete, or neither does.
 * Rows with more than `maxIds` events (bulk loads, imports) and catalog rows still become jobs.
 */
export interface InlineTriggerConsumer {
  maxIds: number;
  /**
   * Called before the transaction opens, with the workspaces of the rows about to be taken: what
   * `consume` needs from outside the transaction (a workspace's campaigns) is read here. Read in
   * the transaction, it would take a second pooled connection while holding one. `consume` is then
   * given rows of these workspaces only; a row of another (one that became due between this call
   * and the lock) becomes jobs.
   */
  prepare(workspaceIds: string[]): Promise<void>;
  consume(em: EntityManager, batches: TriggerEventBatch[]): Promise<void>;
}

/** Redis stream (under the RedisKeys prefix) announcing committed trigger_outbox rows to the relay. */
export const TRIGGER_STREAM = 'trigger-outbox-stream';
/**
 * Entries are tiny (`o` = outbox row id, `w` = its workspace, one per batch), so a million of them
 * is a few tens of MB. The workspace lets the relay read what matching needs before it opens the
 * row's transaction, without a query to learn it.
 * A trimmed entry loses nothing: its outbox row is still there for the sweeper.
 */
export const TRIGGER_STREAM_MAXLEN = 1_000_000;

/**
 * Moves trigger_outbox rows to the trigger-events queue. The ingest path calls
 * {@link publishAfterCommit} once its transaction has committed: one XADD of the outbox row id,
 * nothing more on the request path. The worker's stream relay ({@link TriggerRelay}) turns the row
 * into BullMQ jobs ({@link publish}); {@link sweep} (run periodically by the worker) publishes
 * whatever a crash, a trimmed entry or a Redis outage left behind. A row is deleted in the same
 * transaction that publishes it, so it is either still there or in Redis: at least once.
 */
@Injectable()
export class TriggerPublisher {
  private readonly logger = new Logger(TriggerPublisher.name);

  readonly streamKey: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectTypedQueue(QueueName.TriggerEvents) private readonly queue: TypedQueue<QueueName.TriggerEvents>,
    @Inject(REDIS) private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.streamKey = keys.key(TRIGGER_STREAM);
  }

  /**
   * Announces a committed outbox row on the trigger stream: one Redis round trip per batch
   * (publishing one BullMQ job per event here cost a third of the bulk throughput). Fire and
   * forget: the sender already has its answer, and a lost XADD leaves the row for the sweeper.
   */
  publishAfterCommit(workspaceId: string, outboxId: string | null): void {
    if (outboxId === null) return;
    this.redis
      .xadd(this.streamKey, 'MAXLEN', '~', String(TRIGGER_STREAM_MAXLEN), '*', 'o', outboxId, 'w', workspaceId)
      .catch((e: unknown) =>
        this.logger.warn(`Outbox row ${outboxId} left for the sweeper: ${e instanceof Error ? e.message : String(e)}`),
      );
  }

  /**
   * Publishes the given rows (those not locked by another publisher; rows already published and
   * deleted are skipped, so a repeated announcement is harmless). With `inline`, small member
   * rows go to it in this transaction instead of becoming jobs (no queue hop on the way to the
   * trigger matcher). `workspaceIds`, when the caller knows them (the stream entries carry them),
   * are those of the rows; otherwise they are read first. Returns the number of events published
   * or consumed.
   */
  async publish(outboxIds: string[], inline?: InlineTriggerConsumer, workspaceIds?: string[]): Promise<number> {
    if (outboxIds.length === 0) return 0;
    const prepared = await this.prepareInline(
      inline,
      workspaceIds,
      `SELECT DISTINCT workspace_id FROM trigger_outbox WHERE id = ANY($1::bigint[])`,
      [outboxIds],
    );
    if (prepared?.size === 0) return 0;
    return this.db.transaction((em) =>
      this.publishLocked(
        em,
        `SELECT id, workspace_id, source, ids::text[] FROM trigger_outbox WHERE id = ANY($1::bigint[])
         ORDER BY id FOR UPDATE SKIP LOCKED`,
        [outboxIds],
        inline,
        prepared,
      ),
    );
  }

  /**
   * Publishes rows older than `olderThanMs` (the immediate path had its chance), oldest first; with
   * `inline`, small member rows go to it as in {@link publish}.
   */
  async sweep(olderThanMs = 5_000, maxRows = 50, inline?: InlineTriggerConsumer): Promise<number> {
    const due = `SELECT id, workspace_id, source, ids FROM trigger_outbox
         WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY id LIMIT $2`;
    const prepared = await this.prepareInline(inline, undefined, `SELECT DISTINCT workspace_id FROM (${due}) o`, [
      olderThanMs,
      maxRows,
    ]);
    if (prepared?.size === 0) return 0;
    return this.db.transaction((em) =>
      this.publishLocked(em, `${due} FOR UPDATE SKIP LOCKED`, [olderThanMs, maxRows], inline, prepared),
    );
  }

  /**
   * The rows' workspaces, handed to the inline consumer's prepare outside any transaction
   * (undefined without a consumer): `known` when the caller has them (no query, and no second
   * pooled connection taken before the transaction's), else those of the rows `select` finds.
   * None: nothing to publish, no transaction to open.
   */
  private async prepareInline(
    inline: InlineTriggerConsumer | undefined,
    known: string[] | undefined,
    select: string,
    params: unknown[],
  ): Promise<Set<string> | undefined> {
    if (inline === undefined) return undefined;
    const workspaceIds = new Set(
      known ?? (await preparedRows<{ workspace_id: string }>(this.db, select, params)).map((r) => r.workspace_id),
    );
    if (workspaceIds.size > 0) await inline.prepare([...workspaceIds]);
    return workspaceIds;
  }

  private async publishLocked(
    em: EntityManager,
    select: string,
    params: unknown[],
    inline?: InlineTriggerConsumer,
    prepared?: Set<string>,
  ): Promise<number> {
    const rows = await preparedRows<OutboxRow>(em, select, params);
    if (rows.length === 0) return 0;
    const isInline = (row: OutboxRow): boolean =>
      inline !== undefined &&
      prepared?.has(row.workspace_id) === true &&
      row.source === TriggerSource.Member &&
      row.ids.length <= inline.maxIds;
    const inlined = rows.filter(isInline);
    if (inline !== undefined && inlined.length > 0) {
      await inline.consume(
        em,
        inlined.map((row) => ({ workspaceId: row.workspace_id, eventIds: row.ids.map(String) })),
      );
    }
    const jobs = rows.filter((row) => !isInline(row)).flatMap((row) => jobsOf(row));
    for (let i = 0; i < jobs.length; i += 5_000) await this.queue.addBulk(jobs.slice(i, i + 5_000));
    await preparedRows(em, `DELETE FROM trigger_outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    return rows.reduce((n, row) => n + row.ids.length, 0);
  }
}
