import { Injectable } from '@nestjs/common';
import { AppException } from '@app/common';
import type { SegmentMembershipPort } from '@app/rich-menus';
import { SegmentAudienceService } from './segment-audience.service';
import { SegmentsErrorCode } from './segments.exception';

/**
 * The rich-menu lib's port "which of these members are in segment S": the segment's audience on
 * its channel now, one query for the whole batch. A deleted segment has no members.
 */
@Injectable()
export class SegmentMembershipService implements SegmentMembershipPort {
  constructor(private readonly audience: SegmentAudienceService) {}

  async membersIn(workspaceId: string, segmentId: string, memberIds: string[]): Promise<Set<string>> {
    try {
      return await this.audience.membersIn(workspaceId, segmentId, memberIds);
    } catch (e) {
      if (e instanceof AppException && e.code === SegmentsErrorCode.SegmentNotFound) return new Set();
      throw e;
    }
  }
}
