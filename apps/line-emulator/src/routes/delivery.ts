import { EmulatorContext } from '../context';
import { LineResponse, lineError } from '../http/line-route';
import { MONTHLY_LIMIT_MESSAGE } from '../rate-limits';
import { SendKind } from '../recording';
import { ChannelState } from '../state';

export interface Delivery {
  channel: ChannelState;
  kind: SendKind;
  requestId: string;
  messages: unknown[];
  targets: readonly string[];
  retryKey?: string;
  now: number;
}

/**
 * Delivers to everyone who has not blocked the account, consuming one message of the monthly
 * quota per recipient (LINE counts recipients, not message objects), and records the request.
 * Returns a 429 with LINE's quota message when the quota cannot cover every recipient.
 */
export function deliver(
  ctx: EmulatorContext,
  d: Delivery,
): { delivered: number; sentMessageIds: string[] } | LineResponse {
  const { channel } = d;
  let to: readonly string[] = d.targets;
  let notDelivered: string[] = [];
  if (channel.blockedCount > 0) {
    const kept: string[] = [];
    notDelivered = [];
    for (const id of d.targets) (channel.users.get(id)?.blocked === true ? notDelivered : kept).push(id);
    to = kept;
  }
  if (channel.monthlyQuota !== null && channel.consumed + to.length > channel.monthlyQuota) {
    return lineError(429, MONTHLY_LIMIT_MESSAGE);
  }
  channel.consumed += to.length;
  const sentMessageIds = d.messages.map(() => ctx.messageIds.next());
  ctx.recorder.send({
    requestId: d.requestId,
    channelId: channel.channelId,
    kind: d.kind,
    at: d.now,
    messages: d.messages,
    to,
    notDelivered,
    retryKey: d.retryKey,
    sentMessageIds,
  });
  return { delivered: to.length, sentMessageIds };
}

export const isFailure = (r: ReturnType<typeof deliver>): r is LineResponse => 'status' in r;
