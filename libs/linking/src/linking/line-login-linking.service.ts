import { Injectable } from '@nestjs/common';
import { MembersService } from '@app/members';
import { LineErrorCode, LineException, LineLoginClient } from '@app/line';
import { LinkMethod } from '../entities/line-user.entity';
import { LinkAction, LinkActor } from '../entities/link-history.entity';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { LineUsersRepository } from '../users/line-users.repository';
import { LinkingSettingsService } from '../settings/linking-settings.service';
import { AccountLinkingService } from './account-linking.service';
import { RichMenuTrigger } from './rich-menu-trigger';

export interface LineLoginInput {
  externalId: string;
  channelId?: string;
  idToken?: string;
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
  /** LINE Login access token, to read the friendship status. */
  accessToken?: string;
  /** The nonce the company put in the authorize request, checked by LINE. */
  nonce?: string;
}

export interface LineLoginLinkView {
  linked: true;
  externalId: string;
  channelId: string;
  method: LinkMethod;
  /** Whether the user has the official account as a friend (null: unknown, no access token). */
  friend: boolean | null;
}

/** Linking through LINE Login: a verified ID token's `sub` is the LINE user. */
@Injectable()
export class LineLoginLinkingService {
  constructor(
    private readonly login: LineLoginClient,
    private readonly users: LineUsersRepository,
    private readonly members: MembersService,
    private readonly settings: LinkingSettingsService,
    private readonly linking: AccountLinkingService,
    private readonly richMenus: RichMenuTrigger,
  ) {}

  async link(workspaceId: string, input: LineLoginInput): Promise<LineLoginLinkView> {
    const member = await this.members.findRef(workspaceId, { externalId: input.externalId });
    if (member === null) {
      throw LinkingException.notFound(LinkingErrorCode.MemberNotFound, `Member ${input.externalId} not found`);
    }
    const channelId = await this.linking.resolveChannel(workspaceId, input.channelId);
    const settings = await this.settings.effective(workspaceId, channelId);
    if (settings.lineLoginChannelId === null) {
      throw LinkingException.badRequest(
        LinkingErrorCode.LineLoginNotConfigured,
        'The channel has no LINE Login channel id (PUT /channels/{id}/linking-settings lineLoginChannelId)',
        'channelId',
      );
    }
    let idToken = input.idToken;
    let accessToken = input.accessToken;
    if (idToken === undefined && input.code !== undefined) {
      if (settings.lineLoginChannelSecret === null || input.redirectUri === undefined) {
        throw LinkingException.badRequest(
          LinkingErrorCode.LineLoginNotConfigured,
          'Exchanging a code needs redirectUri and the LINE Login channel secret in the linking settings',
          input.redirectUri === undefined ? 'redirectUri' : 'code',
        );
      }
      const tokens = await this.rejectAsBadToken(() =>
        this.login.exchangeCode({
          code: input.code as string,
          redirectUri: input.redirectUri as string,
          clientId: settings.lineLoginChannelId as string,
          clientSecret: settings.lineLoginChannelSecret as string,
          codeVerifier: input.codeVerifier,
        }),
      );
      idToken = tokens.idToken ?? undefined;
      accessToken = tokens.accessToken;
    }
    if (idToken === undefined) {
      throw LinkingException.badRequest(LinkingErrorCode.InvalidIdToken, 'Send idToken or code', 'idToken');
    }
    const claims = await this.rejectAsBadToken(() =>
      this.login.verifyIdToken(idToken, settings.lineLoginChannelId as string, input.nonce),
    );
    const user = await this.users.ensure(workspaceId, channelId, claims.sub);
    const result = await this.users.link(user, member.id, LinkMethod.LineLogin, {
      actor: LinkActor.User,
      via: LinkMethod.LineLogin,
    });
    if (result === 'line_user_taken' || result === 'member_taken') {
      await this.users.addHistory({
        workspaceId,
        channelId,
        lineUserRowId: user.id,
        memberId: member.id,
        action: LinkAction.Refused,
        actor: LinkActor.User,
        via: LinkMethod.LineLogin,
        reason: result,
      });
      throw result === 'line_user_taken'
        ? LinkingException.lineUserLinkedElsewhere()
        : LinkingException.memberLinkedElsewhere();
    }
    let friend: boolean | null = null;
    if (accessToken !== undefined) {
      friend = await this.login.friendshipStatus(accessToken).catch(() => null);
      if (friend !== null) await this.users.setFollowingIfUnknown(channelId, user.id, friend);
    }
    await this.richMenus.usersChanged(channelId, [user.id]);
    return { linked: true, externalId: member.externalId, channelId, method: LinkMethod.LineLogin, friend };
  }

  /** A token LINE refuses is the caller's problem (401), not an upstream failure. */
  private async rejectAsBadToken<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LineException && e.code === LineErrorCode.Rejected) {
        throw new LinkingException(LinkingErrorCode.InvalidIdToken, 401, e.message);
      }
      throw e;
    }
  }
}
