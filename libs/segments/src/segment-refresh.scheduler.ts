import { Injectable } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';

const SWEEP_SCHEDULER = 'segments-sweep';

/** Queues recounts of saved segments (after a change, on demand) and the periodic sweep. */
@Injectable()
export class SegmentRefreshScheduler {
  constructor(
    @InjectTypedQueue(QueueName.SegmentRefresh) private readonly queue: TypedQueue<QueueName.SegmentRefresh>,
  ) {}

  async schedule(workspaceId: string, segmentId: string): Promise<void> {
    await this.queue.add('count', { workspaceId, segmentId }, { jobId: `count-${segmentId}-${Date.now()}` });
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
