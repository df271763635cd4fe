import { Processor } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { ImportsService } from '@app/members';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/** One import file at a time per worker: each already saturates a core parsing and a database connection. */
@Processor(QueueName.Imports, { concurrency: 1 })
export class ImportsProcessor extends LoggedWorkerHost {
  constructor(private readonly imports: ImportsService) {
    super();
  }

  async process(job: TypedJob<QueueName.Imports>): Promise<void> {
    await this.imports.process(job.data.workspaceId, job.data.importId);
  }
}
