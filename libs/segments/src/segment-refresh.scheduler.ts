import { Injectable } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';

/** Queues a recount of a saved segment (after a change, on demand); one pending job per segment. */
@Injectable()
export class SegmentRefreshScheduler {
  constructor(
    @InjectTypedQueue(QueueName.SegmentRefresh) private readonly queue: TypedQueue<QueueName.SegmentRefresh>,
  ) {}

  async schedule(workspaceId: string, segmentId: string): Promise<void> {
    await this.queue.add('count', { workspaceId, segmentId }, { jobId: `count-${segmentId}-${Date.now()}` });
  }
}
