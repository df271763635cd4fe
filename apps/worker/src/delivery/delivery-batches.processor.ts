import { OnApplicationBootstrap } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { AppConfig, QueueName, TypedJob } from '@app/common';
import { BatchResult, BatchSenderService } from '@app/campaigns';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/**
 * Sends a job's outbox batches (up to BATCHES_PER_JOB of one run). DELIVERY_CONCURRENCY bounds the
 * batches in flight per process (BatchSenderService.sendAll), so it is sized for LINE's latency,
 * not for the rate: the global GCRA limiter holds the rate whatever the concurrency. As many jobs
 * may be active, so that one-batch jobs (delayed event sends) keep as many batches in flight.
 */
@Processor(QueueName.DeliveryBatches)
export class DeliveryBatchesProcessor extends LoggedWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly sender: BatchSenderService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.delivery.concurrency;
  }

  process(job: TypedJob<QueueName.DeliveryBatches>): Promise<BatchResult[]> {
    return this.sender.sendAll(job.data.workspaceId, job.data.batchIds);
  }
}
