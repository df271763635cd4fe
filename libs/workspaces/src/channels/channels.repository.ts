import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ChannelEntity } from '../entities/channel.entity';

export type ChannelFields = Pick<
  ChannelEntity,
  'name' | 'lineChannelId' | 'channelSecret' | 'accessToken' | 'timezone'
>;

@Injectable()
export class ChannelsRepository {
  constructor(@InjectRepository(ChannelEntity) private readonly channels: Repository<ChannelEntity>) {}

  list(workspaceId: string): Promise<ChannelEntity[]> {
    return this.channels.find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
  }

  findById(workspaceId: string, id: string): Promise<ChannelEntity | null> {
    return this.channels.findOne({ where: { workspaceId, id } });
  }

  /**
   * Webhooks arrive before any workspace is known: LINE's channel id in the URL is the only key,
   * and the signature check with the channel's secret is what authenticates the caller.
   */
  findByLineChannelId(lineChannelId: string): Promise<ChannelEntity | null> {
    return this.channels.findOne({ where: { lineChannelId } });
  }

  insert(workspaceId: string, fields: ChannelFields): Promise<ChannelEntity> {
    return this.channels.save(this.channels.create({ workspaceId, ...fields }));
  }

  async update(workspaceId: string, id: string, fields: Partial<ChannelFields>): Promise<void> {
    await this.channels.update({ workspaceId, id }, fields);
  }

  async setBotUserId(workspaceId: string, id: string, botUserId: string): Promise<void> {
    await this.channels.update({ workspaceId, id }, { botUserId });
  }
}
