import { Injectable } from '@nestjs/common';
import { MemberLineLinkView, MemberLineLinks } from '@app/members';
import { LineUsersRepository } from './line-users.repository';

/** Contributes each member's LINE links to the members lib's `GET /members/{externalId}`. */
@Injectable()
export class LinkingMemberLineLinks implements MemberLineLinks {
  constructor(private readonly users: LineUsersRepository) {}

  async linksOf(workspaceId: string, memberId: string, showLineUserIds: boolean): Promise<MemberLineLinkView[]> {
    const links = await this.users.listByMember(workspaceId, memberId);
    return links.map((u) => ({
      channelId: u.channelId,
      ...(showLineUserIds ? { lineUserId: u.lineUserId } : {}),
      linkedAt: u.linkedAt?.toISOString() ?? null,
      method: u.linkMethod,
      status: u.following ? 'following' : u.blockedAt !== null ? 'blocked' : 'unknown',
    }));
  }
}
