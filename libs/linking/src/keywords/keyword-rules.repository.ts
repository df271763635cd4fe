import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { KeywordRuleEntity } from '../entities/keyword-rule.entity';

export type KeywordRuleFields = Pick<
  KeywordRuleEntity,
  'position' | 'keyword' | 'match' | 'action' | 'linkedTemplate' | 'unlinkedTemplate' | 'enabled'
>;

@Injectable()
export class KeywordRulesRepository {
  constructor(@InjectRepository(KeywordRuleEntity) private readonly rules: Repository<KeywordRuleEntity>) {}

  list(workspaceId: string, channelId?: string): Promise<KeywordRuleEntity[]> {
    return this.rules.find({
      where: channelId === undefined ? { workspaceId } : { workspaceId, channelId },
      order: { position: 'ASC', createdAt: 'ASC' },
    });
  }

  find(workspaceId: string, id: string): Promise<KeywordRuleEntity | null> {
    return this.rules.findOne({ where: { workspaceId, id } });
  }

  insert(workspaceId: string, channelId: string, fields: KeywordRuleFields): Promise<KeywordRuleEntity> {
    return this.rules.save(this.rules.create({ workspaceId, channelId, ...fields }));
  }

  async update(workspaceId: string, id: string, fields: Partial<KeywordRuleFields>): Promise<void> {
    await this.rules.update({ workspaceId, id }, fields);
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    return ((await this.rules.delete({ workspaceId, id })).affected ?? 0) > 0;
  }
}
