import { Logger } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { DeliveryClock } from '@app/delivery';
import { BatchSenderService, NewRun, RunPlannerService, TriggerMatcherService } from '@app/campaigns';

/**
 * Matches an accepted member or catalog event against event-triggered campaigns. Runs due now
 * are planned right here, and a run of one batch (a member's event) is sent right here too: two
 * queue hops less on the way to LINE. Its batch job was enqueued anyway: whichever comes second
 * finds the batch claimed or done (the claim is the guard). Later runs wait in PostgreSQL for the
 * reconciler. A crash after the run's insert loses nothing: the reconciler plans due runs.
 */
@Processor(QueueName.TriggerEvents, { concurrency: 32 })
export class TriggerEventsProcessor extends WorkerHost {
  private readonly logger = new Logger(TriggerEventsProcessor.name);
  constructor(
    private readonly matcher: TriggerMatcherService,
    private readonly planner: RunPlannerService,
    private readonly sender: BatchSenderService,
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
    for (const run of runs) {
      if (run.dueAt > now) continue;
      const batches = await this.planner.plan(workspaceId, run.runId);
      if (batches.length === 1) {
        // A shortcut, not the owner: on failure the batch's own job (enqueued by the planner) retries it.
        await this.sender.send(workspaceId, batches[0]).catch((e: unknown) => {
          this.logger.warn(`inline send of batch ${batches[0]} failed: ${e instanceof Error ? e.message : String(e)}`);
        });
      }
    }
    return runs.length;
  }
}
