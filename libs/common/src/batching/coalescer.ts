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
 *
 * With `join`, a call whose key is already queued (its flush not yet started) rides along with
 * that entry instead of queueing its own: it gets `join(result)` (or the same error). Because the
 * flush has not started, it still runs after the joiner's own earlier writes: what it reads is as
 * fresh for the joiner as a flush of its own would be.
 */
interface Waiter<O> {
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

interface Entry<I, O> extends Waiter<O> {
  item: I;
  joined: Array<Waiter<O>>;
}

export class Coalescer<I, O> {
  private readonly queue: Array<Entry<I, O>> = [];
  private running = 0;

  constructor(
    /** Results in the order of the items. */
    private readonly flushMany: (items: I[]) => Promise<O[]>,
    private readonly options: {
      key: (item: I) => string;
      maxGroup: number;
      concurrency: number;
      partition?: (item: I) => string;
      /** What a call that joined a queued entry of its key gets from that entry's result. */
      join?: (result: O) => O;
    },
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.options.join !== undefined) {
        const k = this.options.key(item);
        const queued = this.queue.find((e) => this.options.key(e.item) === k);
        if (queued !== undefined) {
          queued.joined.push({ resolve, reject });
          return;
        }
      }
      this.queue.push({ item, resolve, reject, joined: [] });
      this.pump();
    });
  }

  private static settle<I, O>(
    entry: Entry<I, O>,
    join: ((o: O) => O) | undefined,
    out: { o: O } | { e: unknown },
  ): void {
    if ('o' in out) {
      entry.resolve(out.o);
      for (const w of entry.joined) w.resolve(join === undefined ? out.o : join(out.o));
    } else {
      entry.reject(out.e);
      for (const w of entry.joined) w.reject(out.e);
    }
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
    const join = this.options.join;
    try {
      const out = await this.flushMany(group.map((g) => g.item));
      group.forEach((g, i) => Coalescer.settle(g, join, { o: out[i] }));
      return;
    } catch (e) {
      if (group.length === 1) {
        Coalescer.settle(group[0], join, { e });
        return;
      }
    }
    await Promise.all(
      group.map(async (g) => {
        try {
          const [o] = await this.flushMany([g.item]);
          Coalescer.settle(g, join, { o });
        } catch (e) {
          Coalescer.settle(g, join, { e });
        }
      }),
    );
  }
}
