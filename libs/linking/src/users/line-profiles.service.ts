import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import { LineClientFactory, LineErrorCode, LineException } from '@app/line';
import { LineUsersRepository } from './line-users.repository';

/** Fetches a friend's profile in the background (worker). */
@Injectable()
export class LineProfilesService {
  constructor(
    private readonly users: LineUsersRepository,
    private readonly channels: ChannelsService,
    private readonly line: LineClientFactory,
  ) {}

  async refresh(channelId: string, lineUserId: string): Promise<string> {
    const user = await this.users.findByLineUserId(channelId, lineUserId);
    if (user === null) return 'unknown user';
    const channel = await this.channels.get(user.workspaceId, channelId);
    try {
      const profile = await this.line.forChannel(channel).getProfile(lineUserId);
      await this.users.saveProfile(channelId, user.id, profile);
      return 'saved';
    } catch (e) {
      // Not a friend (any more): there is no profile to fetch, and retrying will not change that.
      if (e instanceof LineException && (e.code === LineErrorCode.NotFound || e.code === LineErrorCode.ClientError)) {
        return `no profile: ${e.code}`;
      }
      throw e;
    }
  }
}
