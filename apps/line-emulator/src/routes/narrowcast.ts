import { ChannelState } from '../state';

export interface Recipient {
  type?: string;
  audienceGroupId?: number;
  requestId?: string;
  and?: Recipient[];
  or?: Recipient[];
  not?: Recipient;
}

/**
 * Who a narrowcast reaches: the followers matched by the recipient expression (audiences,
 * redelivery of an earlier narrowcast, and/or/not). Demographic filters are not modelled: the
 * emulator has no demographics, so `filter` selects everyone.
 */
export function narrowcastTargets(channel: ChannelState, recipient: Recipient | undefined | null): string[] {
  const followers = channel.followers().map((u) => u.userId);
  if (recipient === undefined || recipient === null) return followers;
  const matches = compile(channel, recipient);
  return followers.filter(matches);
}

function compile(channel: ChannelState, r: Recipient): (userId: string) => boolean {
  switch (r.type) {
    case 'audience': {
      const members = channel.audienceGroups.get(Number(r.audienceGroupId))?.userIds ?? new Set<string>();
      return (id) => members.has(id);
    }
    case 'redelivery':
      // Redelivery targets the recipients of an earlier narrowcast; the recording is not consulted
      // here, so it reaches the same followers again.
      return () => true;
    case 'operator': {
      if (r.and !== undefined) {
        const parts = r.and.map((p) => compile(channel, p));
        return (id) => parts.every((p) => p(id));
      }
      if (r.or !== undefined) {
        const parts = r.or.map((p) => compile(channel, p));
        return (id) => parts.some((p) => p(id));
      }
      if (r.not !== undefined) {
        const inner = compile(channel, r.not);
        return (id) => !inner(id);
      }
      return () => true;
    }
    default:
      return () => true;
  }
}
