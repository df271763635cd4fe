/**
 * Turns many concurrent single-item calls into few set-based ones: an item waits only while a
 * flush is already running, and the next flush takes everything that queued meanwhile. At low
 * load every call is its own flush (no added latency); at hundreds of batches per second the
 * senders' claims, stored requests and outcomes go to PostgreSQL a few dozen per statement,
 * which saves per statement a round trip, a pooled connection, planning and a commit (for the
 * synchronous commits of stored requests, a WAL flush).
 *
 * A failed group is retried item by item, so that one bad item fails only its own caller. Items
 * with the same key never share a flush (the set-based statements assume one row per key); items
 * of different partitions (say, workspaces, when a statement is for one) never share one either.
 */
export class Coalescer<I, O> {
  private readonly queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private running = 0;

  constructor(
    /** Results in the order of the items. */
    private readonly flushMany: (items: I[]) => Promise<O[]>,
    private readonly options: {
      key: (item: I) => string;
      maxGroup: number;
      concurrency: number;
      partition?: (item: I) => string;
    },
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const group = this.take();
      this.running++;
      void this.flush(group).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * Up to maxGroup queued entries of the oldest entry's partition with distinct keys, in arrival
   * order; the rest stay queued.
   */
  private take(): typeof this.queue {
    const partitionOf = this.options.partition;
    const partition = partitionOf?.(this.queue[0].item);
    const keys = new Set<string>();
    const group: typeof this.queue = [];
    const rest: typeof this.queue = [];
    for (const entry of this.queue) {
      const k = this.options.key(entry.item);
      const samePartition = partitionOf === undefined || partitionOf(entry.item) === partition;
      if (group.length < this.options.maxGroup && samePartition && !keys.has(k)) {
        keys.add(k);
        group.push(entry);
      } else rest.push(entry);
    }
    this.queue.splice(0, this.queue.length, ...rest);
    return group;
  }

  private async flush(group: typeof this.queue): Promise<void> {
    try {
      const out = await this.flushMany(group.map((g) => g.item));
      group.forEach((g, i) => g.resolve(out[i]));
      return;
    } catch (e) {
      if (group.length === 1) {
        group[0].reject(e);
        return;
      }
    }
    await Promise.all(
      group.map(async (g) => {
        try {
          const [o] = await this.flushMany([g.item]);
          g.resolve(o);
        } catch (e) {
          g.reject(e);
        }
      }),
    );
  }
}
