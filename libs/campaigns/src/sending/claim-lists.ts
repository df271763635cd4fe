import { splitList } from './batches.sql';
import { BatchRecipient, SEND_SKIP_REASON } from './batches.types';

/** The per-recipient columns of a claimed batch (CLAIM_SQL). */
export interface ClaimLists {
  memberIdList: string;
  /** Which of the two lookups the claim made for this batch. */
  dense: boolean;
  /** Probed: LINE user id when reachable, per recipient in order ('' otherwise). */
  lineUserIdList: string | null;
  /** Probed: skip reason per recipient in order ('' when sent to). */
  skipList: string | null;
  /** Range scan: the channel's linked members within the recipients' id span, in any order. */
  rangeMemberList: string | null;
  /** Range scan: their LINE user ids when reachable ('' when not following or blocked), in the same order. */
  rangeLineUserList: string | null;
}

/**
 * The recipients of a claimed batch with their LINE users as of the claim, whichever lookup it
 * made. For a range scan, a recipient without a LINE user row in the span is not linked, and one
 * with a row but no reachable id is not following: the same answers as SEND_SKIP per probe.
 */
export function recipientsOf(lists: ClaimLists): { memberIds: string[]; recipients: BatchRecipient[] } {
  const memberIds = splitList(lists.memberIdList);
  if (!lists.dense) {
    const lineUserIds = splitList(lists.lineUserIdList);
    const skips = splitList(lists.skipList);
    return {
      memberIds,
      recipients: memberIds.map((memberId, i) => ({
        memberId,
        lineUserId: lineUserIds[i] || null,
        skip: skips[i] || null,
      })),
    };
  }
  const inSpan = splitList(lists.rangeMemberList);
  const reachable = splitList(lists.rangeLineUserList);
  const lineUserOf = new Map<string, string>();
  inSpan.forEach((memberId, i) => lineUserOf.set(memberId, reachable[i] ?? ''));
  return {
    memberIds,
    recipients: memberIds.map((memberId) => {
      const lineUserId = lineUserOf.get(memberId);
      if (lineUserId === undefined) return { memberId, lineUserId: null, skip: SEND_SKIP_REASON.notLinked };
      return lineUserId === ''
        ? { memberId, lineUserId: null, skip: SEND_SKIP_REASON.notFollowing }
        : { memberId, lineUserId, skip: null };
    }),
  };
}
