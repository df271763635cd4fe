import { Processor } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { NewRun, TriggerLauncherService, TriggerMatcherService } from '@app/campaigns';
import { TriggerJobName } from '@app/members';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/**
 * Matches accepted member or catalog events against event-triggered campaigns and starts the
 * runs due now (see TriggerLauncherService). The jobs come from outbox rows the stream relay does
 * not match inline (bulk loads, imports, catalog events). A batch of member events is matched in
 * one transaction and launched together, as the relay does with a read: one job and one keyset
 * planning per event made the job road several times the work. A crash after the runs' insert
 * loses nothing: the reconciler plans due runs.
 */
@Processor(QueueName.TriggerEvents, { concurrency: 32 })
export class TriggerEventsProcessor extends LoggedWorkerHost {
  constructor(
    private readonly matcher: TriggerMatcherService,
    private readonly launcher: TriggerLauncherService,
  ) {
    super();
  }

  async process(job: TypedJob<QueueName.TriggerEvents>): Promise<number> {
    const { workspaceId } = job.data;
    const eventIds = 'eventIds' in job.data ? job.data.eventIds : [job.data.eventId];
    if (job.name === String(TriggerJobName.CatalogEvent)) {
      const runs: NewRun[] = [];
      for (const eventId of eventIds) runs.push(...(await this.matcher.onCatalogEvent(workspaceId, eventId)));
      await this.launcher.launch(workspaceId, runs);
      return runs.length;
    }
    const runs = await this.matcher.onMemberEvents(workspaceId, eventIds);
    // Failures of a launch are left to the reconciler (due runs still scheduled, open batches):
    // the runs are committed, and a retried job would find them already made.
    await this.launcher.launchMany(workspaceId, runs);
    return runs.length;
  }
}
