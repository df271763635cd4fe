import { Processor } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { RunPlannerService } from '@app/campaigns';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/** Plans one campaign run: snapshot, rules, ledger and outbox (see RunPlannerService). */
@Processor(QueueName.CampaignRuns, { concurrency: 4 })
export class CampaignRunsProcessor extends LoggedWorkerHost {
  constructor(private readonly planner: RunPlannerService) {
    super();
  }

  async process(job: TypedJob<QueueName.CampaignRuns>): Promise<void> {
    await this.planner.plan(job.data.workspaceId, job.data.runId);
  }
}
