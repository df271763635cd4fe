import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { DeliveryClock } from '@app/delivery';
import { NewRun, RunPlannerService, TriggerMatcherService } from '@app/campaigns';

/**
 * Matches an accepted member or catalog event against event-triggered campaigns. Runs due now
 * are planned right here (one hop less on the way to LINE); later ones wait in PostgreSQL for
 * the reconciler. A crash after the run's insert loses nothing: the reconciler plans due runs.
 */
@Processor(QueueName.TriggerEvents, { concurrency: 32 })
export class TriggerEventsProcessor extends WorkerHost {
  constructor(
    private readonly matcher: TriggerMatcherService,
    private readonly planner: RunPlannerService,
    private readonly clock: DeliveryClock,
  ) {
    super();
  }

  async process(job: TypedJob<QueueName.TriggerEvents>): Promise<number> {
    const { workspaceId, eventId } = job.data;
    const runs: NewRun[] =
      job.name === 'catalog-event'
        ? await this.matcher.onCatalogEvent(workspaceId, eventId)
        : await this.matcher.onMemberEvent(workspaceId, eventId);
    const now = this.clock.now();
    for (const run of runs) if (run.dueAt <= now) await this.planner.plan(workspaceId, run.runId);
    return runs.length;
  }
}
