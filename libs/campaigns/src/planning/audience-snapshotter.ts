import { HttpStatus, Injectable } from '@nestjs/common';
import { CampaignsErrorCode, CampaignsException } from '../campaigns.exception';

/**
 * Freezes a saved segment's members for a run (each recurring run snapshots afresh) into
 * segment_snapshot_members, which planning pages through. Delegates to the segments lib's
 * snapshot service once it is available; until then segment audiences are refused clearly.
 */
@Injectable()
export class AudienceSnapshotter {
  snapshot(_workspaceId: string, _channelId: string, segmentId: string): Promise<string> {
    return Promise.reject(
      new CampaignsException(
        CampaignsErrorCode.InvalidCampaign,
        HttpStatus.NOT_IMPLEMENTED,
        `Segment audiences need the segments snapshot service (segment ${segmentId})`,
      ),
    );
  }
}
