import { Injectable } from '@nestjs/common';
import { MembersService } from '@app/members';
import { LinkMethod } from '../entities/line-user.entity';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { LineUsersRepository } from '../users/line-users.repository';

export interface MemberLinkView {
  channelId: string;
  linkedAt: string | null;
  method: LinkMethod | null;
  following: boolean;
  blockedAt: string | null;
  displayName: string | null;
  /** Only for admin-scoped callers. */
  lineUserId?: string;
}

export interface MemberLinksView {
  externalId: string;
  linked: boolean;
  links: MemberLinkView[];
  history: Array<{ action: string; actor: string; via: string; reason: string | null; channelId: string; at: string }>;
}

/** A member's LINE links, for GET /members/{externalId}/line-link. */
@Injectable()
export class MemberLinksService {
  constructor(
    private readonly users: LineUsersRepository,
    private readonly members: MembersService,
  ) {}

  async get(workspaceId: string, externalId: string, showLineUserIds: boolean): Promise<MemberLinksView> {
    const member = await this.members.findRef(workspaceId, { externalId });
    if (member === null)
      throw LinkingException.notFound(LinkingErrorCode.MemberNotFound, `Member ${externalId} not found`);
    const [links, history] = await Promise.all([
      this.users.listByMember(workspaceId, member.id),
      this.users.listHistory(workspaceId, member.id),
    ]);
    return {
      externalId,
      linked: links.length > 0,
      links: links.map((u) => ({
        channelId: u.channelId,
        linkedAt: u.linkedAt?.toISOString() ?? null,
        method: u.linkMethod,
        following: u.following,
        blockedAt: u.blockedAt?.toISOString() ?? null,
        displayName: u.displayName,
        ...(showLineUserIds ? { lineUserId: u.lineUserId } : {}),
      })),
      history: history.map((h) => ({
        action: h.action,
        actor: h.actor,
        via: h.via,
        reason: h.reason,
        channelId: h.channelId,
        at: h.createdAt.toISOString(),
      })),
    };
  }
}
