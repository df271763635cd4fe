import { Injectable, Logger } from '@nestjs/common';
import { MembersService } from '@app/members';
import { AppConfig } from '@app/common';
import { ChannelEntity, ChannelsService } from '@app/workspaces';
import { LineClientFactory } from '@app/line';
import { LineUserEntity, LinkMethod } from '../entities/line-user.entity';
import { LinkAction, LinkActor } from '../entities/link-history.entity';
import { NonceOutcome } from '../entities/link-nonce.entity';
import { generateNonce, sha256 } from '../core/secrets';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { LineUsersRepository } from '../users/line-users.repository';
import { LinkingSettingsService } from '../settings/linking-settings.service';
import { DEFAULT_TEXTS } from '../settings/linking-settings.defaults';
import { LinkSecretsRepository } from './link-secrets.repository';
import { LineMessenger } from './line-messenger.service';
import { RichMenuTrigger } from './rich-menu-trigger';

/** LINE's link tokens are valid for 10 minutes. */
const LINK_TOKEN_LIFE_MS = 10 * 60_000;

export interface NonceView {
  nonce: string;
  /** Where the company's site redirects the browser (LINE's account-link dialog). */
  dialogUrl: string;
  expiresAt: string;
  channelId: string;
}

/**
 * Linking through the Messaging API: link token → company login → nonce → accountLink webhook,
 * and unlinking by the user or the company. The company only ever handles the link token and the
 * nonce, never a LINE user id.
 */
@Injectable()
export class AccountLinkingService {
  private readonly logger = new Logger(AccountLinkingService.name);

  constructor(
    private readonly users: LineUsersRepository,
    private readonly secrets: LinkSecretsRepository,
    private readonly members: MembersService,
    private readonly channels: ChannelsService,
    private readonly settings: LinkingSettingsService,
    private readonly line: LineClientFactory,
    private readonly messenger: LineMessenger,
    private readonly richMenus: RichMenuTrigger,
    private readonly config: AppConfig,
  ) {}

  /** Step 1: the user asked to link; reply with the login URL carrying a fresh link token. */
  async startLink(channel: ChannelEntity, user: LineUserEntity, replyToken: string | null): Promise<string> {
    if (user.memberId !== null) {
      await this.messenger.reply(channel, replyToken, [LineMessenger.text(DEFAULT_TEXTS.alreadyLinked)]);
      return 'already linked';
    }
    const linkToken = await this.line.forChannel(channel).issueLinkToken(user.lineUserId);
    await this.secrets.insertToken({
      workspaceId: channel.workspaceId,
      channelId: channel.id,
      lineUserRowId: user.id,
      tokenHash: sha256(linkToken),
      expiresAt: new Date(Date.now() + LINK_TOKEN_LIFE_MS),
    });
    const settings = await this.settings.effective(channel.workspaceId, channel.id);
    const url = new URL(settings.loginUrl);
    url.searchParams.set('linkToken', linkToken);
    await this.messenger.reply(channel, replyToken, [
      LineMessenger.uriButton(DEFAULT_TEXTS.loginPrompt, DEFAULT_TEXTS.loginButton, url.toString()),
    ]);
    return 'link token issued';
  }

  /** Step 2: the company's site logged the member in; bind a nonce to the member. */
  async createNonce(
    workspaceId: string,
    input: { externalId: string; linkToken: string; channelId?: string },
  ): Promise<NonceView> {
    const member = await this.members.findRef(workspaceId, { externalId: input.externalId });
    if (member === null) {
      throw LinkingException.notFound(LinkingErrorCode.MemberNotFound, `Member ${input.externalId} not found`);
    }
    const token = await this.secrets.findToken(workspaceId, sha256(input.linkToken));
    if (token !== null && token.expiresAt.getTime() <= Date.now()) {
      throw LinkingException.badRequest(
        LinkingErrorCode.LinkTokenExpired,
        'The link token has expired (10 minutes): the user must start linking again from LINE',
        'linkToken',
      );
    }
    const channelId = token?.channelId ?? (await this.resolveChannel(workspaceId, input.channelId));
    await this.channels.get(workspaceId, channelId);
    const lineUser = token === null ? null : await this.users.findById(channelId, token.lineUserRowId);
    if (lineUser !== null && lineUser.memberId !== null && lineUser.memberId !== member.id) {
      throw LinkingException.lineUserLinkedElsewhere();
    }
    const current = await this.users.findByMember(channelId, member.id);
    if (current !== null && current.id !== lineUser?.id) throw LinkingException.memberLinkedElsewhere();

    const nonce = generateNonce();
    const expiresAt = new Date(Date.now() + this.config.linking.nonceTtlSeconds * 1000);
    await this.secrets.insertNonce({
      workspaceId,
      channelId,
      memberId: member.id,
      expectedLineUserRowId: lineUser?.id ?? null,
      nonceHash: sha256(nonce),
      expiresAt,
    });
    return {
      nonce,
      dialogUrl: this.line.accountLinkUrl(input.linkToken, nonce),
      expiresAt: expiresAt.toISOString(),
      channelId,
    };
  }

  /** Step 3: LINE's accountLink event. Acts only on `ok`, and only once per nonce. */
  async completeLink(
    channel: ChannelEntity,
    event: { lineUserId: string | null; replyToken: string | null; result: unknown; nonce: unknown },
  ): Promise<string> {
    if (typeof event.nonce !== 'string' || event.nonce === '') return this.refuse(channel, null, null, 'no nonce');
    const consumed = await this.secrets.consume(channel.id, sha256(event.nonce), new Date());
    if (event.result !== 'ok') {
      if (consumed.status === 'ok') await this.secrets.setOutcome(consumed.nonce.id, NonceOutcome.Failed);
      return this.refuse(channel, null, consumed.nonce?.memberId ?? null, `LINE reported ${String(event.result)}`);
    }
    if (consumed.status !== 'ok') {
      return this.refuse(channel, null, consumed.nonce?.memberId ?? null, `nonce ${consumed.status}`);
    }
    const { nonce } = consumed;
    if (event.lineUserId === null) {
      await this.secrets.setOutcome(nonce.id, NonceOutcome.Refused);
      return this.refuse(channel, null, nonce.memberId, 'ok without source.userId');
    }
    const user = await this.users.ensure(channel.workspaceId, channel.id, event.lineUserId);
    if (nonce.expectedLineUserRowId !== null && nonce.expectedLineUserRowId !== user.id) {
      await this.secrets.setOutcome(nonce.id, NonceOutcome.Refused);
      return this.refuse(channel, user.id, nonce.memberId, 'nonce was bound to another LINE user');
    }
    const result = await this.users.link(user, nonce.memberId, LinkMethod.MessagingApi, {
      actor: LinkActor.User,
      via: LinkMethod.MessagingApi,
    });
    if (result === 'line_user_taken' || result === 'member_taken') {
      await this.secrets.setOutcome(nonce.id, NonceOutcome.Refused);
      return this.refuse(channel, user.id, nonce.memberId, `${result.replace('_', ' ')} meanwhile`);
    }
    await this.secrets.setOutcome(nonce.id, NonceOutcome.Linked);
    await this.richMenus.usersChanged(channel.id, [user.id]);
    const settings = await this.settings.effective(channel.workspaceId, channel.id);
    if (settings.sendLinkedConfirmation) {
      await this.messenger.reply(channel, event.replyToken, [LineMessenger.text(settings.linkedText)]);
    }
    return result === 'linked' ? 'linked' : 'already linked to this member';
  }

  /** The user unlinks (rich menu postback or keyword). */
  async unlinkByUser(
    channel: ChannelEntity,
    user: LineUserEntity,
    replyToken: string | null,
    via: string,
  ): Promise<string> {
    const memberId = await this.users.unlink(user, { actor: LinkActor.User, via });
    if (memberId === null) {
      await this.messenger.reply(channel, replyToken, [LineMessenger.text(DEFAULT_TEXTS.notLinked)]);
      return 'not linked';
    }
    await this.richMenus.usersChanged(channel.id, [user.id]);
    const settings = await this.settings.effective(channel.workspaceId, channel.id);
    await this.messenger.reply(channel, replyToken, [LineMessenger.text(settings.unlinkedText)]);
    return 'unlinked';
  }

  /** The company unlinks a member (on one channel, or on all of the workspace). */
  async unlinkByCompany(workspaceId: string, externalId: string, channelId?: string): Promise<number> {
    const member = await this.members.findRef(workspaceId, { externalId });
    if (member === null)
      throw LinkingException.notFound(LinkingErrorCode.MemberNotFound, `Member ${externalId} not found`);
    const links = (await this.users.listByMember(workspaceId, member.id)).filter(
      (u) => channelId === undefined || u.channelId === channelId,
    );
    let unlinked = 0;
    for (const user of links) {
      if ((await this.users.unlink(user, { actor: LinkActor.Company, via: 'api' })) === null) continue;
      unlinked++;
      await this.richMenus.usersChanged(user.channelId, [user.id]);
    }
    if (unlinked === 0) {
      throw LinkingException.notFound(LinkingErrorCode.LinkNotFound, `Member ${externalId} has no LINE link`);
    }
    return unlinked;
  }

  async resolveChannel(workspaceId: string, channelId: string | undefined): Promise<string> {
    if (channelId !== undefined) return (await this.channels.get(workspaceId, channelId)).id;
    const channels = await this.channels.list(workspaceId);
    if (channels.length === 1) return channels[0].id;
    throw LinkingException.badRequest(
      LinkingErrorCode.ChannelRequired,
      channels.length === 0 ? 'The workspace has no channel' : 'The workspace has several channels: name channelId',
      'channelId',
    );
  }

  private async refuse(
    channel: ChannelEntity,
    lineUserRowId: string | null,
    memberId: string | null,
    reason: string,
  ): Promise<string> {
    this.logger.warn(`account link refused on channel ${channel.id}: ${reason}`);
    await this.users.addHistory({
      workspaceId: channel.workspaceId,
      channelId: channel.id,
      lineUserRowId,
      memberId,
      action: LinkAction.Refused,
      actor: LinkActor.User,
      via: LinkMethod.MessagingApi,
      reason,
    });
    return `refused: ${reason}`;
  }
}
