import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { LinkingSettingsEntity } from '../entities/linking-settings.entity';

export type LinkingSettingsFields = Partial<
  Omit<LinkingSettingsEntity, 'channelId' | 'workspaceId' | 'channel' | 'updatedAt'>
>;

@Injectable()
export class LinkingSettingsRepository {
  constructor(@InjectRepository(LinkingSettingsEntity) private readonly settings: Repository<LinkingSettingsEntity>) {}

  find(workspaceId: string, channelId: string): Promise<LinkingSettingsEntity | null> {
    return this.settings.findOne({ where: { workspaceId, channelId } });
  }

  async upsert(workspaceId: string, channelId: string, fields: LinkingSettingsFields): Promise<void> {
    await this.settings.upsert({ workspaceId, channelId, ...fields }, ['channelId']);
  }
}
