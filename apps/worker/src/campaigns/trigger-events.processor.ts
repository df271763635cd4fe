import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { NewRun, TriggerLauncherService, TriggerMatcherService } from '@app/campaigns';

/**
 * Matches an accepted member or catalog event against event-triggered campaigns and starts the
 * runs due now (see TriggerLauncherService). The jobs come from outbox rows the stream relay does
 * not match inline (bulk loads, imports, catalog events) and from the sweeper. A crash after the
 * runs' insert loses nothing: the reconciler plans due runs.
 */
@Processor(QueueName.TriggerEvents, { concurrency: 32 })
export class TriggerEventsProcessor extends WorkerHost {
  constructor(
    private readonly matcher: TriggerMatcherService,
    private readonly launcher: TriggerLauncherService,
  ) {
    super();
  }

  async process(job: TypedJob<QueueName.TriggerEvents>): Promise<number> {
    const { workspaceId, eventId } = job.data;
    const runs: NewRun[] =
      job.name === 'catalog-event'
        ? await this.matcher.onCatalogEvent(workspaceId, eventId)
        : await this.matcher.onMemberEvent(workspaceId, eventId);
    await this.launcher.launch(workspaceId, runs);
    return runs.length;
  }
}
