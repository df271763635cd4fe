import { Processor } from '@nestjs/bullmq';
import { AppException, QueueName, TypedJob } from '@app/common';
import { SegmentAudienceService, SegmentMaintenanceService, SegmentsErrorCode } from '@app/segments';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/** Recounts a saved segment and caches the figures on it; the periodic sweep queues stale ones. */
@Processor(QueueName.SegmentRefresh, { concurrency: 1 })
export class SegmentRefreshProcessor extends LoggedWorkerHost {
  constructor(
    private readonly audience: SegmentAudienceService,
    private readonly maintenance: SegmentMaintenanceService,
  ) {
    super();
  }

  async process(job: TypedJob<QueueName.SegmentRefresh>): Promise<void> {
    const data = job.data;
    if ('sweep' in data) {
      await this.maintenance.sweep();
      return;
    }
    try {
      await this.audience.refreshCount(data.workspaceId, data.segmentId);
    } catch (e) {
      // A segment deleted since the job was queued has nothing left to count; anything else retries.
      if (e instanceof AppException && e.code === SegmentsErrorCode.SegmentNotFound) return;
      throw e;
    }
  }
}
