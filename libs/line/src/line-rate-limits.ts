/**
 * LINE's per-channel, per-endpoint limits (LINE-FACTS.md). The same URL with another method is
 * another endpoint, hence the separate keys.
 */
export enum LineEndpoint {
  Multicast = 'multicast',
  Push = 'push',
  Reply = 'reply',
  LinkToken = 'link-token',
  Profile = 'profile',
  RichMenuLinkUser = 'richmenu-link-user',
  RichMenuUnlinkUser = 'richmenu-unlink-user',
  RichMenuBulkLink = 'richmenu-bulk-link',
  RichMenuBulkUnlink = 'richmenu-bulk-unlink',
  RichMenuGetUser = 'richmenu-get-user',
  RichMenuCreate = 'richmenu-create',
  RichMenuDelete = 'richmenu-delete',
  RichMenuList = 'richmenu-list',
  Narrowcast = 'narrowcast',
  Broadcast = 'broadcast',
  /** Everything not listed: 2,000 requests/s. */
  Other = 'other',
}

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

const PER_SECOND = (requests: number): RateLimit => ({ requests, perSeconds: 1 });

export const LINE_RATE_LIMITS: Record<LineEndpoint, RateLimit> = {
  [LineEndpoint.Multicast]: PER_SECOND(200),
  [LineEndpoint.Push]: PER_SECOND(2_000),
  [LineEndpoint.Reply]: PER_SECOND(2_000),
  [LineEndpoint.LinkToken]: PER_SECOND(2_000),
  [LineEndpoint.Profile]: PER_SECOND(2_000),
  [LineEndpoint.RichMenuLinkUser]: PER_SECOND(2_000),
  [LineEndpoint.RichMenuUnlinkUser]: PER_SECOND(2_000),
  [LineEndpoint.RichMenuBulkLink]: PER_SECOND(2_000),
  [LineEndpoint.RichMenuBulkUnlink]: PER_SECOND(2_000),
  [LineEndpoint.RichMenuGetUser]: PER_SECOND(2_000),
  [LineEndpoint.RichMenuCreate]: { requests: 100, perSeconds: 3_600 },
  [LineEndpoint.RichMenuDelete]: { requests: 100, perSeconds: 3_600 },
  [LineEndpoint.RichMenuList]: PER_SECOND(10),
  [LineEndpoint.Narrowcast]: { requests: 60, perSeconds: 3_600 },
  [LineEndpoint.Broadcast]: { requests: 60, perSeconds: 3_600 },
  [LineEndpoint.Other]: PER_SECOND(2_000),
};

/** Bulk rich-menu link/unlink and multicast take at most this many user IDs per request. */
export const LINE_MAX_USERS_PER_REQUEST = 500;
/** Messages per push/multicast/reply request. */
export const LINE_MAX_MESSAGES_PER_REQUEST = 5;
