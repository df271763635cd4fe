import { createHash } from 'node:crypto';
import { RateLimit, TokenBucket } from './core/token-bucket';
import { RetryKeyStore } from './core/retry-key-store';
import { newUserId } from './core/ids';

/** A messaging channel as configured (environment or admin API). */
export interface ChannelConfig {
  channelId: string;
  channelSecret: string;
  accessToken: string;
  /** Where webhooks go; null keeps them in the recording only. */
  webhookUrl?: string | null;
  /** The LINE Login channel of the same provider (ID-token sign-in, friendship status). */
  loginChannelId?: string;
  loginChannelSecret?: string;
  /** Monthly message quota; null means no limit (`type: none`). */
  monthlyQuota?: number | null;
  botUserId?: string;
  displayName?: string;
}

export interface SimUser {
  userId: string;
  displayName: string;
  pictureUrl?: string;
  statusMessage?: string;
  language: string;
  /** Has added the account as a friend at least once. */
  friend: boolean;
  blocked: boolean;
  createdAt: number;
  /** Consent answered in the account-link dialog (per user override of the channel's). */
  accountLinkResult?: 'ok' | 'failed';
}

export interface RichMenu {
  richMenuId: string;
  body: Record<string, unknown>;
  image?: { contentType: string; data: Buffer };
}

export interface AudienceGroup {
  audienceGroupId: number;
  description: string;
  created: number;
  userIds: Set<string>;
}

export interface NarrowcastProgress {
  requestId: string;
  targetCount: number;
  successCount: number;
  acceptedTime: string;
  completedTime: string;
}

export interface PushReceipt {
  sentMessages?: { id: string; quoteToken: string }[];
}

export class ChannelState {
  channelId: string;
  channelSecret: string;
  accessToken: string;
  webhookUrl: string | null;
  loginChannelId?: string;
  loginChannelSecret?: string;
  monthlyQuota: number | null;
  readonly botUserId: string;
  displayName: string;
  consumed = 0;
  accountLinkResult: 'ok' | 'failed' = 'ok';
  readonly users = new Map<string, SimUser>();
  blockedCount = 0;
  readonly richMenus = new Map<string, RichMenu>();
  readonly aliases = new Map<string, string>();
  readonly userRichMenus = new Map<string, string>();
  defaultRichMenuId: string | null = null;
  readonly replyTokens = new Map<string, { userId: string | null; expiresAt: number }>();
  readonly retryKeys = new RetryKeyStore<PushReceipt>();
  readonly buckets = new Map<string, TokenBucket>();
  readonly audienceGroups = new Map<number, AudienceGroup>();
  readonly narrowcasts = new Map<string, NarrowcastProgress>();

  constructor(config: ChannelConfig) {
    this.channelId = config.channelId;
    this.channelSecret = config.channelSecret;
    this.accessToken = config.accessToken;
    this.webhookUrl = config.webhookUrl ?? null;
    this.loginChannelId = config.loginChannelId;
    this.loginChannelSecret = config.loginChannelSecret;
    this.monthlyQuota = config.monthlyQuota ?? null;
    // Stable per channel id, so the engine sees the same `destination` across restarts.
    this.botUserId =
      config.botUserId ?? `U${createHash('sha256').update(`bot:${config.channelId}`).digest('hex').slice(0, 32)}`;
    this.displayName = config.displayName ?? `Emulated channel ${config.channelId}`;
  }

  allows(endpoint: string, limit: RateLimit, now: number): boolean {
    let bucket = this.buckets.get(endpoint);
    if (bucket === undefined) {
      bucket = new TokenBucket(limit, now);
      this.buckets.set(endpoint, bucket);
    }
    return bucket.take(now);
  }

  /** Friends who have not blocked the account: broadcast and narrowcast reach them. */
  followers(): SimUser[] {
    const out: SimUser[] = [];
    for (const u of this.users.values()) if (u.friend && !u.blocked) out.push(u);
    return out;
  }

  addUser(fields: Partial<SimUser>, now: number): SimUser {
    const user: SimUser = {
      userId: fields.userId ?? newUserId(),
      displayName: fields.displayName ?? 'Emulated user',
      pictureUrl: fields.pictureUrl,
      statusMessage: fields.statusMessage,
      language: fields.language ?? 'ja',
      friend: fields.friend ?? true,
      blocked: false,
      createdAt: now,
      accountLinkResult: fields.accountLinkResult,
    };
    this.users.set(user.userId, user);
    return user;
  }

  setBlocked(user: SimUser, blocked: boolean): void {
    if (user.blocked === blocked) return;
    user.blocked = blocked;
    this.blockedCount += blocked ? 1 : -1;
  }

  view(): Required<Omit<ChannelConfig, 'loginChannelId' | 'loginChannelSecret'>> &
    Pick<ChannelConfig, 'loginChannelId' | 'loginChannelSecret'> & { consumed: number; users: number } {
    return {
      channelId: this.channelId,
      channelSecret: this.channelSecret,
      accessToken: this.accessToken,
      webhookUrl: this.webhookUrl,
      loginChannelId: this.loginChannelId,
      loginChannelSecret: this.loginChannelSecret,
      monthlyQuota: this.monthlyQuota,
      botUserId: this.botUserId,
      displayName: this.displayName,
      consumed: this.consumed,
      users: this.users.size,
    };
  }
}

/** Everything the emulator knows, in memory. Lookups the hot path needs are O(1) maps. */
export class EmulatorState {
  readonly channels = new Map<string, ChannelState>();
  private readonly byToken = new Map<string, ChannelState>();
  private readonly byLoginChannel = new Map<string, ChannelState>();
  readonly linkTokens = new Map<string, { channelId: string; userId: string; expiresAt: number; used: boolean }>();
  readonly loginCodes = new Map<
    string,
    { loginChannelId: string; userId: string; redirectUri: string; nonce?: string; scope: string; expiresAt: number }
  >();
  readonly loginAccessTokens = new Map<
    string,
    { loginChannelId: string; userId: string; scope: string; expiresAt: number }
  >();
  nextAudienceGroupId = 1;

  upsertChannel(config: ChannelConfig): ChannelState {
    const existing = this.channels.get(config.channelId);
    if (existing !== undefined) this.removeChannel(config.channelId);
    const channel = new ChannelState(config);
    this.channels.set(channel.channelId, channel);
    this.index(channel);
    return channel;
  }

  removeChannel(channelId: string): boolean {
    const channel = this.channels.get(channelId);
    if (channel === undefined) return false;
    this.byToken.delete(channel.accessToken);
    if (channel.loginChannelId !== undefined) this.byLoginChannel.delete(channel.loginChannelId);
    return this.channels.delete(channelId);
  }

  /** Re-indexes after an admin change of token or login channel. */
  reindex(channel: ChannelState, before: { accessToken: string; loginChannelId?: string }): void {
    this.byToken.delete(before.accessToken);
    if (before.loginChannelId !== undefined) this.byLoginChannel.delete(before.loginChannelId);
    this.index(channel);
  }

  private index(channel: ChannelState): void {
    this.byToken.set(channel.accessToken, channel);
    if (channel.loginChannelId !== undefined) this.byLoginChannel.set(channel.loginChannelId, channel);
  }

  byAccessToken(token: string): ChannelState | undefined {
    return this.byToken.get(token);
  }

  byLoginChannelId(loginChannelId: string): ChannelState | undefined {
    return this.byLoginChannel.get(loginChannelId);
  }

  /** Forgets users, menus, tokens and recordings' subjects; keeps the channels' configuration. */
  reset(): void {
    for (const c of [...this.channels.values()]) this.upsertChannel({ ...c.view() });
    this.linkTokens.clear();
    this.loginCodes.clear();
    this.loginAccessTokens.clear();
    this.nextAudienceGroupId = 1;
  }
}
