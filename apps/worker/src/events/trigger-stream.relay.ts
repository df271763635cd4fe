import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { EntityManager } from 'typeorm';
import { REDIS } from '@app/common';
import {
  InlineTriggerConsumer,
  TRIGGER_BATCH_MAX_EVENTS,
  TriggerEventBatch,
  TriggerPublisher,
  TriggerRelay,
} from '@app/members';
import { MatchContext, NewRun, TriggerLauncherService, TriggerMatcherService } from '@app/campaigns';

/** XREADGROUP BLOCK: an announced event reaches the matcher within milliseconds of the commit. */
const BLOCK_MS = 1_000;
/** How often pending entries of dead consumers are looked for, and how idle they must be. */
const RECLAIM_EVERY_MS = 30_000;
const RECLAIM_IDLE_MS = 60_000;
const RETRY_MS = 1_000;
/**
 * Outbox rows older than this were not relayed from the stream (announcement lost: an api crash
 * after its commit, Redis down, an entry trimmed; or a backlog): swept every SWEEP_EVERY_MS.
 */
const SWEEP_AFTER_MS = 5_000;
const SWEEP_EVERY_MS = 2_000;
/** Entries (outbox rows) taken per read: under load one transaction matches many events. */
const READ_COUNT = 128;
/**
 * Launches (the due runs of one read: planned set-based, then sent) in progress at once per
 * worker; the relay waits for one to end before reading more, so a backlog waits in the stream.
 */
const MAX_LAUNCHING = 8;

/**
 * Runs the trigger stream relay: committed outbox rows announced by the api (or by imports in
 * this worker) are matched against the event campaigns in one transaction per read (runs
 * inserted, rows deleted, then the entries acknowledged), and the runs due now are planned and
 * sent at once, without a queue hop. Any number of workers may run it: each is a consumer of the
 * same group, and the outbox rows are taken with SKIP LOCKED.
 *
 * It also sweeps the outbox rows the stream did not bring in time, through the same inline
 * matching and launch. (A separate sweeper made them trigger-events jobs: once a burst put the
 * relay 5 s behind, the backlog took that road, one event per job with the keyset planner per
 * run, several times the work per event, and the workers fell further behind for good.)
 */
@Injectable()
export class TriggerStreamRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerStreamRelay.name);
  private readonly consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private conn: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly launching = new Set<Promise<void>>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly relay: TriggerRelay,
    private readonly publisher: TriggerPublisher,
    private readonly matcher: TriggerMatcherService,
    private readonly launcher: TriggerLauncherService,
  ) {}

  onApplicationBootstrap(): void {
    // A connection of its own: a blocked XREADGROUP would stall every other command on the shared one.
    this.conn = this.redis.duplicate();
    // A duplicate has none of the shared client's listeners: without one, every failed reconnect
    // while Redis is away went to the console as an "Unhandled error event". The loop below
    // already reports and retries the reads that fail.
    this.conn.on('error', (e: Error) => this.logger.warn(`Trigger relay's Redis connection: ${e.message}`));
    this.running = this.run(this.conn);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Not twice (see RedisCloser): a second disconnect holds the process open for 2 s.
    if (this.conn !== undefined && this.conn.status !== 'end') this.conn.disconnect();
    await this.running;
    await Promise.all(this.launching);
  }

  /**
   * A consumer for one read: the matching context of the read's workspaces is read before the
   * publisher's transaction, then the events are matched in it and the runs made remembered.
   */
  private inline(created: Array<{ workspaceId: string; runs: NewRun[] }>): InlineTriggerConsumer {
    const contexts = new Map<string, MatchContext>();
    return {
      // Bigger rows (bulk loads, imports) become trigger-events jobs of this many events, so that a
      // 10,000-event batch neither holds the relay nor makes one huge transaction.
      maxIds: TRIGGER_BATCH_MAX_EVENTS,
      prepare: async (workspaceIds: string[]): Promise<void> => {
        for (const workspaceId of workspaceIds) contexts.set(workspaceId, await this.matcher.context(workspaceId));
      },
      consume: async (em: EntityManager, batches: TriggerEventBatch[]): Promise<void> => {
        const byWorkspace = new Map<string, string[]>();
        for (const b of batches)
          byWorkspace.set(b.workspaceId, [...(byWorkspace.get(b.workspaceId) ?? []), ...b.eventIds]);
        for (const [workspaceId, eventIds] of byWorkspace) {
          const context = contexts.get(workspaceId);
          if (context === undefined) throw new Error(`workspace ${workspaceId} was not prepared for matching`);
          created.push({ workspaceId, runs: await this.matcher.matchMemberEvents(em, workspaceId, eventIds, context) });
        }
      },
    };
  }

  private async run(conn: Redis): Promise<void> {
    let nextReclaim = 0;
    let nextSweep = 0;
    let groupReady = false;
    while (!this.stopped) {
      try {
        await this.launchSlot();
        // Before anything that needs Redis: rows left while Redis is down are matched all the same.
        if (Date.now() >= nextSweep) {
          const swept: Array<{ workspaceId: string; runs: NewRun[] }> = [];
          const found = await this.publisher.sweep(SWEEP_AFTER_MS, READ_COUNT, this.inline(swept));
          this.startAll(swept);
          // A backlog is swept a read at a time, between reads of the stream.
          nextSweep = found > 0 ? 0 : Date.now() + SWEEP_EVERY_MS;
        }
        if (!groupReady) {
          await this.relay.ensureGroup();
          groupReady = true;
        }
        await this.launchSlot();
        const created: Array<{ workspaceId: string; runs: NewRun[] }> = [];
        if (Date.now() >= nextReclaim) {
          nextReclaim = Date.now() + RECLAIM_EVERY_MS;
          await this.relay.reclaim(this.consumer, RECLAIM_IDLE_MS, 64, this.inline(created));
        }
        await this.relay.relayNew(conn, this.consumer, BLOCK_MS, READ_COUNT, this.inline(created));
        // Only after the commit: a rolled-back read created nothing.
        this.startAll(created);
      } catch (e) {
        if (this.stopped) return;
        // The stream may have been deleted (FLUSHDB): recreate the group on the next pass.
        groupReady = !(e instanceof Error && e.message.startsWith('NOGROUP'));
        this.logger.warn(
          `Trigger relay failed, retrying in ${RETRY_MS} ms: ${e instanceof Error ? e.message : String(e)}`,
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  /** Waits until fewer than MAX_LAUNCHING launches are in progress. */
  private async launchSlot(): Promise<void> {
    while (this.launching.size >= MAX_LAUNCHING) await Promise.race(this.launching);
  }

  /** Starts the runs a committed read or sweep created. */
  private startAll(created: Array<{ workspaceId: string; runs: NewRun[] }>): void {
    for (const { workspaceId, runs } of created) if (runs.length > 0) this.start(workspaceId, runs);
  }

  /** Plans and sends the runs beside the relay loop; a failure leaves them to the reconciler. */
  private start(workspaceId: string, runs: NewRun[]): void {
    const p: Promise<void> = this.launcher
      .launchMany(workspaceId, runs)
      .catch((e: unknown) => {
        this.logger.warn(`${runs.length} runs left to the reconciler: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => this.launching.delete(p));
    this.launching.add(p);
  }
}
