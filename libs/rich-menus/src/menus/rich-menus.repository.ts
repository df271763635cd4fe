import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { RichMenuEntity } from '../entities/rich-menu.entity';
import { RichMenuCondition, RichMenuRuleEntity } from '../entities/rich-menu-rule.entity';

export interface RuleFields {
  condition: RichMenuCondition;
  segmentId: string | null;
  richMenuId: string;
}

@Injectable()
export class RichMenusRepository {
  constructor(
    @InjectRepository(RichMenuEntity) private readonly menus: Repository<RichMenuEntity>,
    @InjectRepository(RichMenuRuleEntity) private readonly rules: Repository<RichMenuRuleEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async insert(
    menu: Pick<RichMenuEntity, 'workspaceId' | 'channelId' | 'lineRichMenuId' | 'name' | 'definition'>,
  ): Promise<RichMenuEntity> {
    const inserted = await this.menus.insert(menu as QueryDeepPartialEntity<RichMenuEntity>);
    return this.menus.findOneByOrFail({ id: (inserted.identifiers[0] as { id: string }).id });
  }

  find(workspaceId: string, id: string): Promise<RichMenuEntity | null> {
    return this.menus.findOne({ where: { workspaceId, id } });
  }

  list(workspaceId: string, channelId?: string): Promise<RichMenuEntity[]> {
    return this.menus.find({
      where: channelId === undefined ? { workspaceId } : { workspaceId, channelId },
      order: { createdAt: 'ASC' },
    });
  }

  async imageUploaded(workspaceId: string, id: string, contentType: string): Promise<void> {
    await this.menus.update({ workspaceId, id }, { imageContentType: contentType, imageUploadedAt: new Date() });
  }

  async setDefault(workspaceId: string, channelId: string, id: string | null): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.update(RichMenuEntity, { workspaceId, channelId, isDefault: true }, { isDefault: false });
      if (id !== null) await manager.update(RichMenuEntity, { workspaceId, channelId, id }, { isDefault: true });
    });
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    await this.menus.delete({ workspaceId, id });
  }

  /** Rules in order, with the LINE id and image state of their menu. */
  async rulesOf(
    workspaceId: string,
    channelId: string,
  ): Promise<Array<RichMenuRuleEntity & { richMenu: RichMenuEntity }>> {
    const rules = await this.rules.find({
      where: { workspaceId, channelId },
      relations: { richMenu: true },
      order: { position: 'ASC' },
    });
    return rules.filter((r): r is RichMenuRuleEntity & { richMenu: RichMenuEntity } => r.richMenu !== undefined);
  }

  async replaceRules(workspaceId: string, channelId: string, rules: RuleFields[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(RichMenuRuleEntity, { workspaceId, channelId });
      if (rules.length > 0) {
        await manager.insert(
          RichMenuRuleEntity,
          rules.map((r, position) => ({ workspaceId, channelId, position, ...r })),
        );
      }
    });
  }
}
