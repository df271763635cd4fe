import { OnApplicationBootstrap } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { AppConfig, QueueName, TypedJob } from '@app/common';
import { BatchResult, BatchSenderService } from '@app/campaigns';

/**
 * Sends one outbox batch. Concurrency is the number of batches in flight per process (each one
 * waits for its slots in the global GCRA limiter), so it is sized for LINE's latency, not for
 * the rate: the limiter holds the rate whatever the concurrency.
 */
@Processor(QueueName.DeliveryBatches)
export class DeliveryBatchesProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly sender: BatchSenderService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.delivery.concurrency;
  }

  process(job: TypedJob<QueueName.DeliveryBatches>): Promise<BatchResult> {
    return this.sender.send(job.data.workspaceId, job.data.batchId);
  }
}
