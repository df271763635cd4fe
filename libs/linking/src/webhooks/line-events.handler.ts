import { Injectable } from '@nestjs/common';
import { MembersService } from '@app/members';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';
import { ChannelEntity } from '@app/workspaces';
import { LineMessage } from '@app/line';
import { WebhookEventEntity } from '../entities/webhook-event.entity';
import { LineUserEntity } from '../entities/line-user.entity';
import { KeywordAction, KeywordMatch } from '../entities/keyword-rule.entity';
import { matchKeyword } from '../core/keyword-match';
import { parsePostbackAction, PostbackAction } from '../core/webhook-body';
import { renderTemplate, TemplateContext } from '../core/templates';
import { LineUsersRepository } from '../users/line-users.repository';
import { toTemplateMember } from '../core/templates';
import { LinkingSettingsService } from '../settings/linking-settings.service';
import { BUILT_IN_KEYWORDS, DEFAULT_TEXTS } from '../settings/linking-settings.defaults';
import { KeywordRulesService } from '../keywords/keyword-rules.service';
import { AccountLinkingService } from '../linking/account-linking.service';
import { LineMessenger } from '../linking/line-messenger.service';
import { RichMenuTrigger } from '../linking/rich-menu-trigger';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null ? (v as Raw) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** What each kind of LINE event does; returns a short outcome stored with the event. */
@Injectable()
export class LineEventsHandler {
  constructor(
    private readonly users: LineUsersRepository,
    private readonly members: MembersService,
    private readonly settings: LinkingSettingsService,
    private readonly keywords: KeywordRulesService,
    private readonly linking: AccountLinkingService,
    private readonly messenger: LineMessenger,
    private readonly richMenus: RichMenuTrigger,
    @InjectTypedQueue(QueueName.LineProfiles) private readonly profiles: TypedQueue<QueueName.LineProfiles>,
  ) {}

  async handle(channel: ChannelEntity, event: WebhookEventEntity): Promise<string> {
    const raw = event.payload;
    const replyToken = str(raw.replyToken);
    if (event.type === 'accountLink') {
      const link = obj(raw.link);
      return this.linking.completeLink(channel, {
        lineUserId: event.lineUserId,
        replyToken,
        result: link.result,
        nonce: link.nonce,
      });
    }
    if (event.lineUserId === null) return `ignored: ${event.type} without a user`;
    const user = await this.users.ensure(channel.workspaceId, channel.id, event.lineUserId);
    switch (event.type) {
      case 'follow':
        return this.follow(channel, user, event, replyToken);
      case 'unfollow':
        return (await this.users.recordBlock(user, event.occurredAt)) ? 'blocked' : 'stale unfollow ignored';
      case 'message':
        return this.message(channel, user, obj(raw.message), replyToken);
      case 'postback': {
        const action = parsePostbackAction(obj(raw.postback).data);
        return action === null
          ? 'postback without a known action'
          : this.act(channel, user, action, replyToken, 'rich_menu');
      }
      default:
        return `stored: ${event.type}`;
    }
  }

  private async follow(
    channel: ChannelEntity,
    user: LineUserEntity,
    event: WebhookEventEntity,
    replyToken: string | null,
  ): Promise<string> {
    const unblocked = obj(event.payload.follow).isUnblocked === true;
    const changed = await this.users.recordFollow(user, event.occurredAt, unblocked);
    if (!changed) return 'stale follow ignored';
    await this.profiles.add(
      'fetch',
      { channelId: channel.id, lineUserId: user.lineUserId },
      { jobId: `profile-${channel.id}-${user.lineUserId}-${Date.now()}` },
    );
    await this.richMenus.usersChanged(channel.id, [user.id]);
    const settings = await this.settings.effective(channel.workspaceId, channel.id);
    const messages: LineMessage[] = [LineMessenger.text(settings.greetingText)];
    if (user.memberId === null && settings.inviteOnFollow) {
      messages.push(LineMessenger.postbackButton(settings.invitationText, DEFAULT_TEXTS.inviteButton, 'action=link'));
    }
    await this.messenger.reply(channel, replyToken, messages);
    return unblocked ? 'unblocked' : user.memberId === null ? 'followed, invited' : 'followed';
  }

  private async message(
    channel: ChannelEntity,
    user: LineUserEntity,
    message: Raw,
    replyToken: string | null,
  ): Promise<string> {
    const text = str(message.text);
    if (message.type !== 'text' || text === null) return 'stored';
    const rules = await this.keywords.rulesOf(channel.workspaceId, channel.id);
    const rule = matchKeyword(rules, text);
    if (rule !== null) {
      if (rule.action !== KeywordAction.Reply) return this.act(channel, user, rule.action, replyToken, 'keyword');
      const template = user.memberId !== null ? (rule.linkedTemplate ?? rule.unlinkedTemplate) : rule.unlinkedTemplate;
      if (template === null) return `keyword ${rule.id}: no template for this user`;
      await this.messenger.reply(channel, replyToken, [LineMessenger.text(await this.render(channel, user, template))]);
      return `keyword ${rule.id} answered`;
    }
    const builtIn = matchKeyword(
      BUILT_IN_KEYWORDS.map((k, position) => ({ ...k, match: KeywordMatch.Exact, enabled: true, position })),
      text,
    );
    return builtIn === null ? 'stored' : this.act(channel, user, builtIn.action, replyToken, 'keyword');
  }

  private async act(
    channel: ChannelEntity,
    user: LineUserEntity,
    action: PostbackAction | KeywordAction,
    replyToken: string | null,
    via: string,
  ): Promise<string> {
    switch (action) {
      case 'link':
        return this.linking.startLink(channel, user, replyToken);
      case 'unlink':
        return this.linking.unlinkByUser(channel, user, replyToken, via);
      case 'member_card': {
        if (user.memberId === null) {
          await this.messenger.reply(channel, replyToken, [LineMessenger.text(DEFAULT_TEXTS.notLinked)]);
          return 'member card: not linked';
        }
        const settings = await this.settings.effective(channel.workspaceId, channel.id);
        const text = await this.render(channel, user, settings.memberCardTemplate);
        await this.messenger.reply(channel, replyToken, [LineMessenger.text(text)]);
        return 'member card shown';
      }
      default:
        return `no action ${action}`;
    }
  }

  private async render(channel: ChannelEntity, user: LineUserEntity, template: string): Promise<string> {
    const member =
      user.memberId === null ? null : await this.members.findRef(channel.workspaceId, { id: user.memberId });
    const context: TemplateContext = {
      member: member === null ? null : toTemplateMember(member),
      user: { displayName: user.displayName },
    };
    return renderTemplate(template, context);
  }
}
