import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import { REDIS } from '@app/common';
import { TriggerRelay } from '@app/members';

/** XREADGROUP BLOCK: an announced event reaches BullMQ within milliseconds of the commit. */
const BLOCK_MS = 1_000;
/** How often pending entries of dead consumers are looked for, and how idle they must be. */
const RECLAIM_EVERY_MS = 30_000;
const RECLAIM_IDLE_MS = 60_000;
const RETRY_MS = 1_000;

/**
 * Runs the trigger stream relay: committed outbox rows announced by the api (or by imports in this
 * worker) become trigger-events jobs. Any number of workers may run it: each is a consumer of the
 * same group, and the outbox rows are taken with SKIP LOCKED.
 */
@Injectable()
export class TriggerStreamRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerStreamRelay.name);
  private readonly consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private conn: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly relay: TriggerRelay,
  ) {}

  onApplicationBootstrap(): void {
    // A connection of its own: a blocked XREADGROUP would stall every other command on the shared one.
    this.conn = this.redis.duplicate();
    this.running = this.run(this.conn);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.conn?.disconnect();
    await this.running;
  }

  private async run(conn: Redis): Promise<void> {
    let nextReclaim = 0;
    let groupReady = false;
    while (!this.stopped) {
      try {
        if (!groupReady) {
          await this.relay.ensureGroup();
          groupReady = true;
        }
        if (Date.now() >= nextReclaim) {
          nextReclaim = Date.now() + RECLAIM_EVERY_MS;
          await this.relay.reclaim(this.consumer, RECLAIM_IDLE_MS);
        }
        await this.relay.relayNew(conn, this.consumer, BLOCK_MS);
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
}
