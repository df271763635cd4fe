import type { LineMessage, MemberRenderFields } from '@app/delivery';
import type { DeliveryBatchEntity } from '../entities/delivery-batch.entity';
import type { RequestStatus } from '../entities/delivery-request.entity';
import type { CampaignStatus } from '../entities/campaign.entity';

/** A recipient of a batch: its member id and LINE user (null, with the rule, when no longer reachable). */
export interface BatchRecipient {
  memberId: string;
  lineUserId: string | null;
  skip: string | null;
}

/**
 * Reachable now: linked, following, not blocked. Planning trusts a segment's snapshot (taken
 * seconds before) for this, so the send-time lookup is where a change since then is caught.
 */
export const REACHABLE = `lu.following AND lu.blocked_at IS NULL`;
/**
 * The LINE user of recipient `u.member_id` on the batch's channel, for `LEFT JOIN LATERAL (…) lu
 * ON true`: one index probe per recipient (unique per channel and member). As a plain join the
 * planner hashed the channel's every LINE user when it guessed few recipients were many: 31 ms
 * for 6 recipients of 11,500 friends.
 */
export const LINE_USER_OF_MEMBER = `SELECT l.line_user_id, l.following, l.blocked_at, l.display_name FROM line_users l
  WHERE l.channel_id = b.channel_id AND l.member_id = u.member_id LIMIT 1`;
/** Why a recipient is not sent to at send time (SEND_SKIP in SQL, claim-lists.ts in the worker). */
export const SEND_SKIP_REASON = { notLinked: 'not_linked', notFollowing: 'not_following' } as const;
export const SEND_SKIP = `CASE WHEN lu.line_user_id IS NULL THEN '${SEND_SKIP_REASON.notLinked}' WHEN NOT (${REACHABLE}) THEN '${SEND_SKIP_REASON.notFollowing}' END`;

export interface RecipientWithMember extends BatchRecipient {
  member: MemberRenderFields;
}

export interface RequestOutcome {
  seq: number;
  status: RequestStatus.Accepted | RequestStatus.Failed;
  lineRequestId: string | null;
  error: string | null;
}

/** A batch as claimed: its row, the run's key, the campaign's status and the recipients' LINE users now. */
export type ClaimedBatch = Pick<
  DeliveryBatchEntity,
  'id' | 'runId' | 'campaignId' | 'workspaceId' | 'channelId' | 'seq' | 'firstAttemptAt' | 'attempts' | 'memberIds'
> & {
  runKey: string;
  messageIndex: number[] | null;
  campaignStatus: CampaignStatus;
  recipients: BatchRecipient[];
};

export type BatchRef = Pick<DeliveryBatchEntity, 'id' | 'runId' | 'campaignId' | 'channelId'>;

export interface NewRequest {
  seq: number;
  retryKey: string;
  endpoint: 'multicast' | 'push';
  messages: LineMessage[] | null;
  memberIds: string[];
}

/** One batch's requests and send-time skips, for BatchesRepository.saveRequestsMany. */
export interface BatchRequests {
  batch: BatchRef;
  requests: NewRequest[];
  skipped: Array<{ memberId: string; reason: string }>;
}

/** One batch's answers from LINE and whether it is finished, for BatchesRepository.recordOutcomesMany. */
export interface BatchOutcomes {
  batch: BatchRef;
  outcomes: RequestOutcome[];
  finished: boolean;
}
