import { Injectable } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';

const SWEEP_SCHEDULER = 'segments-sweep';

/** Queues recounts of saved segments (after a change, on demand) and the periodic sweep. */
@Injectable()
export class SegmentRefreshScheduler {
  constructor(
    @InjectTypedQueue(QueueName.SegmentRefresh) private readonly queue: TypedQueue<QueueName.SegmentRefresh>,
  ) {}

  /**
   * `round`: the sweep's interval number; one job per segment and round, so a count that waits
   * longer than an interval is not queued again by every later sweep.
   */
  async schedule(workspaceId: string, segmentId: string, round?: number): Promise<void> {
    const jobId = round === undefined ? `count-${segmentId}-${Date.now()}` : `count-${segmentId}-sweep-${round}`;
    await this.queue.add('count', { workspaceId, segmentId }, { jobId });
  }

  /**
   * The sweep every `everyMs` (a BullMQ job scheduler: one per deployment however many workers
   * register it); 0 removes it.
   */
  async scheduleSweep(everyMs: number): Promise<void> {
    if (everyMs === 0) {
      await this.queue.removeJobScheduler(SWEEP_SCHEDULER);
      return;
    }
    await this.queue.upsertJobScheduler(SWEEP_SCHEDULER, { every: everyMs }, { name: 'sweep', data: { sweep: true } });
  }
}
