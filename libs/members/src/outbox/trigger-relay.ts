import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '@app/common';
import { InlineTriggerConsumer, TriggerPublisher } from './trigger-publisher';

/** The consumer group of the trigger stream; every worker joins it with a consumer of its own. */
export const TRIGGER_RELAY_GROUP = 'trigger-relay';

/** [entry id, [field, value, …] or null when the entry was trimmed while pending] */
type StreamEntry = [id: string, fields: string[] | null];

/**
 * The worker side of the trigger stream: reads announced outbox row ids with XREADGROUP, turns
 * the rows into the existing trigger-events BullMQ jobs ({@link TriggerPublisher.publish}: jobs,
 * then the row's delete, in one transaction) and XACKs the entries. At least once, and duplicates
 * are harmless: a row already published is gone (nothing to do) and a job id names the events it carries.
 * An entry whose consumer died stays pending until {@link reclaim} takes it over; its row is
 * swept meanwhile if it waits longer than the sweeper's threshold.
 */
@Injectable()
export class TriggerRelay {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly publisher: TriggerPublisher,
  ) {}

  /** Creates the group (from the start of the stream, so nothing announced before is skipped). */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.publisher.streamKey, TRIGGER_RELAY_GROUP, '0', 'MKSTREAM');
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('BUSYGROUP'))) throw e;
    }
  }

  /**
   * Waits up to `blockMs` on `conn` (a connection of its own: XREADGROUP BLOCK holds it) for new
   * entries, relays up to `count` of them and acknowledges them. Returns how many entries it took.
   * With `inline`, small member rows are consumed by it instead of becoming jobs (see
   * {@link TriggerPublisher.publish}); the entries are acknowledged only after that committed.
   */
  async relayNew(
    conn: Redis,
    consumer: string,
    blockMs: number,
    count = 64,
    inline?: InlineTriggerConsumer,
  ): Promise<number> {
    const reply = (await conn.xreadgroup(
      'GROUP',
      TRIGGER_RELAY_GROUP,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.publisher.streamKey,
      '>',
    )) as Array<[key: string, entries: StreamEntry[]]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    await this.relay(entries, inline);
    return entries.length;
  }

  /** Takes over entries pending for longer than `minIdleMs` (a worker died holding them). */
  async reclaim(consumer: string, minIdleMs: number, count = 64, inline?: InlineTriggerConsumer): Promise<number> {
    let cursor = '0-0';
    let taken = 0;
    do {
      const [next, entries] = (await this.redis.xautoclaim(
        this.publisher.streamKey,
        TRIGGER_RELAY_GROUP,
        consumer,
        minIdleMs,
        cursor,
        'COUNT',
        count,
      )) as [string, StreamEntry[], ...unknown[]];
      await this.relay(entries, inline);
      taken += entries.length;
      cursor = next;
    } while (cursor !== '0-0');
    return taken;
  }

  private async relay(entries: StreamEntry[], inline?: InlineTriggerConsumer): Promise<void> {
    if (entries.length === 0) return;
    const field = (fields: string[] | null, name: string): string | undefined => {
      const i = fields?.indexOf(name) ?? -1;
      return fields !== null && i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
    };
    const outboxIds = new Set<string>();
    const workspaceIds = new Set<string>();
    let unknownWorkspace = false;
    for (const [, fields] of entries) {
      const id = field(fields, 'o');
      if (id === undefined || !/^\d+$/.test(id)) continue;
      outboxIds.add(id);
      const workspaceId = field(fields, 'w');
      // Entries written before they carried the workspace: the publisher reads it.
      if (workspaceId === undefined) unknownWorkspace = true;
      else workspaceIds.add(workspaceId);
    }
    await this.publisher.publish([...outboxIds], inline, unknownWorkspace ? undefined : [...workspaceIds]);
    await this.redis.xack(this.publisher.streamKey, TRIGGER_RELAY_GROUP, ...entries.map(([id]) => id));
  }
}
