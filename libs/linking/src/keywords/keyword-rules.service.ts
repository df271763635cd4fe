import { Injectable } from '@nestjs/common';
import { ChannelsService } from '@app/workspaces';
import { KeywordAction, KeywordMatch, KeywordRuleEntity } from '../entities/keyword-rule.entity';
import { checkTemplate } from '../core/templates';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { KeywordRuleFields, KeywordRulesRepository } from './keyword-rules.repository';

export interface KeywordRuleView {
  id: string;
  channelId: string;
  position: number;
  keyword: string;
  match: KeywordMatch;
  action: KeywordAction;
  linkedTemplate: string | null;
  unlinkedTemplate: string | null;
  enabled: boolean;
  createdAt: string;
}

export const toKeywordRuleView = (r: KeywordRuleEntity): KeywordRuleView => ({
  id: r.id,
  channelId: r.channelId,
  position: r.position,
  keyword: r.keyword,
  match: r.match,
  action: r.action,
  linkedTemplate: r.linkedTemplate,
  unlinkedTemplate: r.unlinkedTemplate,
  enabled: r.enabled,
  createdAt: r.createdAt.toISOString(),
});

function checkTemplates(fields: Partial<KeywordRuleFields>): void {
  for (const field of ['linkedTemplate', 'unlinkedTemplate'] as const) {
    const template = fields[field];
    if (typeof template !== 'string') continue;
    try {
      checkTemplate(template);
    } catch (e) {
      throw LinkingException.badRequest(LinkingErrorCode.InvalidTemplate, (e as Error).message, field);
    }
  }
  if (fields.action === KeywordAction.Reply && !fields.linkedTemplate && !fields.unlinkedTemplate) {
    throw LinkingException.badRequest(
      LinkingErrorCode.InvalidTemplate,
      'a reply rule needs linkedTemplate, unlinkedTemplate or both',
      'linkedTemplate',
    );
  }
}

@Injectable()
export class KeywordRulesService {
  constructor(
    private readonly repository: KeywordRulesRepository,
    private readonly channels: ChannelsService,
  ) {}

  async list(workspaceId: string, channelId?: string): Promise<KeywordRuleView[]> {
    return (await this.repository.list(workspaceId, channelId)).map(toKeywordRuleView);
  }

  /** Rules of a channel for matching (entities stay inside the lib). */
  rulesOf(workspaceId: string, channelId: string): Promise<KeywordRuleEntity[]> {
    return this.repository.list(workspaceId, channelId);
  }

  async create(workspaceId: string, channelId: string, fields: KeywordRuleFields): Promise<KeywordRuleView> {
    await this.channels.get(workspaceId, channelId);
    checkTemplates(fields);
    return toKeywordRuleView(await this.repository.insert(workspaceId, channelId, fields));
  }

  async update(workspaceId: string, id: string, fields: Partial<KeywordRuleFields>): Promise<KeywordRuleView> {
    const existing = await this.get(workspaceId, id);
    checkTemplates({ ...existing, ...fields });
    await this.repository.update(workspaceId, id, fields);
    return toKeywordRuleView(await this.get(workspaceId, id));
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(workspaceId, id))) throw this.notFound(id);
  }

  private async get(workspaceId: string, id: string): Promise<KeywordRuleEntity> {
    const rule = await this.repository.find(workspaceId, id);
    if (rule === null) throw this.notFound(id);
    return rule;
  }

  private notFound(id: string): LinkingException {
    return LinkingException.notFound(LinkingErrorCode.KeywordRuleNotFound, `Keyword rule ${id} not found`);
  }
}
