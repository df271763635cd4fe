import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { checkTemplate } from '../core/templates';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { DEFAULT_TEXTS, EffectiveLinkingSettings } from './linking-settings.defaults';
import { LinkingSettingsFields, LinkingSettingsRepository } from './linking-settings.repository';

export interface LinkingSettingsView extends Omit<EffectiveLinkingSettings, 'lineLoginChannelSecret'> {
  channelId: string;
  /** Whether a LINE Login channel secret is stored (it is never returned). */
  lineLoginChannelSecretSet: boolean;
}

@Injectable()
export class LinkingSettingsService {
  constructor(
    private readonly repository: LinkingSettingsRepository,
    private readonly channels: ChannelsService,
    private readonly config: AppConfig,
  ) {}

  /** The reference login page of this engine, used when a channel names no login URL. */
  get referenceLoginUrl(): string {
    return `${this.config.api.publicBaseUrl}/link/login`;
  }

  async effective(workspaceId: string, channelId: string): Promise<EffectiveLinkingSettings> {
    const s = await this.repository.find(workspaceId, channelId);
    return {
      greetingText: s?.greetingText ?? DEFAULT_TEXTS.greeting,
      inviteOnFollow: s?.inviteOnFollow ?? true,
      invitationText: s?.invitationText ?? DEFAULT_TEXTS.invitation,
      loginUrl: s?.loginUrl ?? this.referenceLoginUrl,
      sendLinkedConfirmation: s?.sendLinkedConfirmation ?? true,
      linkedText: s?.linkedText ?? DEFAULT_TEXTS.linked,
      unlinkedText: s?.unlinkedText ?? DEFAULT_TEXTS.unlinked,
      memberCardTemplate: s?.memberCardTemplate ?? DEFAULT_TEXTS.memberCard,
      lineLoginChannelId: s?.lineLoginChannelId ?? null,
      lineLoginChannelSecret: s?.lineLoginChannelSecret ?? null,
    };
  }

  async view(workspaceId: string, channelId: string): Promise<LinkingSettingsView> {
    await this.channels.get(workspaceId, channelId);
    const { lineLoginChannelSecret, ...rest } = await this.effective(workspaceId, channelId);
    return { channelId, ...rest, lineLoginChannelSecretSet: lineLoginChannelSecret !== null };
  }

  async update(workspaceId: string, channelId: string, fields: LinkingSettingsFields): Promise<LinkingSettingsView> {
    await this.channels.get(workspaceId, channelId);
    if (typeof fields.memberCardTemplate === 'string') {
      try {
        checkTemplate(fields.memberCardTemplate);
      } catch (e) {
        throw LinkingException.badRequest(LinkingErrorCode.InvalidTemplate, (e as Error).message, 'memberCardTemplate');
      }
    }
    await this.repository.upsert(workspaceId, channelId, fields);
    return this.view(workspaceId, channelId);
  }
}
