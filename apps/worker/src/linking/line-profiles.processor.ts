import { Processor } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { LineProfilesService } from '@app/linking';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/** Fetches a new friend's profile (display name, picture, language) from LINE. */
@Processor(QueueName.LineProfiles, { concurrency: 4 })
export class LineProfilesProcessor extends LoggedWorkerHost {
  constructor(private readonly profiles: LineProfilesService) {
    super();
  }

  process(job: TypedJob<QueueName.LineProfiles>): Promise<string> {
    return this.profiles.refresh(job.data.channelId, job.data.lineUserId);
  }
}
