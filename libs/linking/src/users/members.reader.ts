import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MemberEntity } from '@app/members';
import { TemplateMember } from '../core/templates';

/**
 * Read-only look-ups of members for linking (by externalId, by id). Reads the members table
 * through its entity from @app/members; it writes nothing there.
 */
@Injectable()
export class MembersReader {
  constructor(@InjectRepository(MemberEntity) private readonly members: Repository<MemberEntity>) {}

  findByExternalId(workspaceId: string, externalId: string): Promise<MemberEntity | null> {
    return this.members.findOne({ where: { workspaceId, externalId } });
  }

  findById(workspaceId: string, id: string): Promise<MemberEntity | null> {
    return this.members.findOne({ where: { workspaceId, id } });
  }
}

export const toTemplateMember = (m: MemberEntity): TemplateMember => ({
  externalId: m.externalId,
  firstName: m.firstName,
  lastName: m.lastName,
  membershipTier: m.membershipTier,
  pointsBalance: m.pointsBalance,
  registeredAt: m.registeredAt?.toISOString() ?? null,
  attributes: m.attributes ?? {},
});
