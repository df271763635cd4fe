import { Processor, WorkerHost } from '@nestjs/bullmq';
import { AppException, QueueName, TypedJob } from '@app/common';
import { SegmentsErrorCode, SegmentsService } from '@app/segments';

/** Recounts a saved segment and caches the figures on it. */
@Processor(QueueName.SegmentRefresh, { concurrency: 1 })
export class SegmentRefreshProcessor extends WorkerHost {
  constructor(private readonly segments: SegmentsService) {
    super();
  }

  async process(job: TypedJob<QueueName.SegmentRefresh>): Promise<void> {
    try {
      await this.segments.refreshCount(job.data.workspaceId, job.data.segmentId);
    } catch (e) {
      // A segment deleted since the job was queued has nothing left to count; anything else retries.
      if (e instanceof AppException && e.code === SegmentsErrorCode.SegmentNotFound) return;
      throw e;
    }
  }
}
