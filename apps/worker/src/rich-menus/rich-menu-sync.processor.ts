import { Processor } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { RichMenuSyncService, SyncReport } from '@app/rich-menus';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/** Applies rich-menu changes to LINE: some users, one channel, or (periodic) every channel. */
@Processor(QueueName.RichMenuSync, { concurrency: 2 })
export class RichMenuSyncProcessor extends LoggedWorkerHost {
  constructor(private readonly sync: RichMenuSyncService) {
    super();
  }

  async process(job: TypedJob<QueueName.RichMenuSync>): Promise<SyncReport | { channels: number }> {
    const { channelId, lineUserRowIds } = job.data;
    if (channelId === undefined) return { channels: await this.sync.fanOut() };
    return this.sync.sync(channelId, lineUserRowIds);
  }
}
