import { messagingApi } from '@line/bot-sdk';
import { LINE_MAX_USERS_PER_REQUEST, LineEndpoint } from './line-rate-limits';
import { LineRateLimiter } from './line-rate-limiter';
import { toLineException } from './line-error.mapper';
import { LineErrorCode, LineException } from './line.exception';
import { withLineTimeout } from './line-timeout';
import { LineAnswer, LineSendTransport } from './line-send.transport';

export type LineMessage = messagingApi.Message;
export type LineRichMenu = messagingApi.RichMenuRequest;

/** What a send returns: LINE's request id, for the delivery log. */
export interface LineSendResult {
  requestId: string | null;
  /** Push only: ids of the sent messages. */
  sentMessages?: Array<{ id: string; quoteToken?: string }>;
}

export interface LineClientOptions {
  channelId: string;
  accessToken: string;
  apiBaseUrl: string;
  dataApiBaseUrl: string;
  timeoutMs: number;
  /** Omit to call LINE without waiting for a slot (tests, one-off tools). */
  limiter?: LineRateLimiter;
}

export interface SendOptions {
  /** LINE's X-Line-Retry-Key: a UUID the caller stores before the first attempt and reuses. */
  retryKey?: string;
  /**
   * The caller took this request's slot from the channel's {@link LineRateLimiter} itself (to
   * order it before its own in-flight bound); the client then does not take another.
   */
  slotHeld?: boolean;
}

/**
 * One LINE channel as the engine sees it: every call waits for a rate-limit slot, is aborted
 * after the timeout, and fails only with a {@link LineException}. The SDK clients are exposed
 * (`messaging`, `blob`) for endpoints without a wrapper here; call them through {@link call}.
 */
export class LineChannelClient {
  readonly messaging: messagingApi.MessagingApiClient;
  readonly blob: messagingApi.MessagingApiBlobClient;
  private readonly transport: LineSendTransport;
  private readonly sendHeaders: Record<string, string>;

  constructor(private readonly options: LineClientOptions) {
    this.transport = new LineSendTransport(options.apiBaseUrl, options.timeoutMs);
    this.sendHeaders = { authorization: `Bearer ${options.accessToken}`, 'user-agent': 'line-segment-engine' };
    this.messaging = new messagingApi.MessagingApiClient({
      channelAccessToken: options.accessToken,
      baseURL: options.apiBaseUrl,
    });
    this.blob = new messagingApi.MessagingApiBlobClient({
      channelAccessToken: options.accessToken,
      baseURL: options.dataApiBaseUrl,
    });
  }

  get channelId(): string {
    return this.options.channelId;
  }

  /** Rate limit + timeout + error mapping around any SDK call. */
  async call<T>(endpoint: LineEndpoint, what: string, fn: () => Promise<T>, requests = 1): Promise<T> {
    await this.options.limiter?.acquire(this.options.channelId, endpoint, requests);
    try {
      return await withLineTimeout(this.options.timeoutMs, fn);
    } catch (e) {
      throw toLineException(e, what);
    }
  }

  /**
   * Push with a retry key (a UUID chosen by the caller and kept for retries). Retry on a
   * retryable {@link LineException} with the SAME key; a 409 `LINE_RETRY_KEY_ACCEPTED` means
   * the first attempt went through (see `line.acceptedRequestId`).
   */
  async pushMessage(to: string, messages: LineMessage[], options: SendOptions = {}): Promise<LineSendResult> {
    const answer = await this.send(LineEndpoint.Push, 'push', '/v2/bot/message/push', { to, messages }, options);
    const body = JSON.parse(answer.body || '{}') as messagingApi.PushMessageResponse;
    return { requestId: answer.header('x-line-request-id') ?? null, sentMessages: body.sentMessages };
  }

  /** Multicast to at most 500 users, with a retry key (same rules as push). */
  async multicast(to: string[], messages: LineMessage[], options: SendOptions = {}): Promise<LineSendResult> {
    if (to.length === 0 || to.length > LINE_MAX_USERS_PER_REQUEST) {
      throw new LineException(LineErrorCode.ClientError, `multicast takes 1..500 user IDs, not ${to.length}`);
    }
    const answer = await this.send(
      LineEndpoint.Multicast,
      'multicast',
      '/v2/bot/message/multicast',
      { to, messages },
      options,
    );
    return { requestId: answer.header('x-line-request-id') ?? null };
  }

  /** A send through the lean transport (see LineSendTransport), under the rate limit unless the caller holds the slot. */
  private async send(
    endpoint: LineEndpoint,
    what: string,
    path: string,
    body: messagingApi.PushMessageRequest | messagingApi.MulticastRequest,
    options: SendOptions,
  ): Promise<LineAnswer> {
    if (options.slotHeld !== true) await this.options.limiter?.acquire(this.options.channelId, endpoint);
    const headers =
      options.retryKey === undefined ? this.sendHeaders : { ...this.sendHeaders, 'x-line-retry-key': options.retryKey };
    try {
      return await this.transport.post(path, JSON.stringify(body), headers, what);
    } catch (e) {
      throw toLineException(e, what);
    }
  }

  async replyMessage(replyToken: string, messages: LineMessage[]): Promise<void> {
    await this.call(LineEndpoint.Reply, 'reply', () => this.messaging.replyMessage({ replyToken, messages }));
  }

  getProfile(userId: string): Promise<messagingApi.UserProfileResponse> {
    return this.call(LineEndpoint.Profile, 'get profile', () => this.messaging.getProfile(userId));
  }

  async issueLinkToken(userId: string): Promise<string> {
    const { linkToken } = await this.call(LineEndpoint.LinkToken, 'issue link token', () =>
      this.messaging.issueLinkToken(userId),
    );
    return linkToken;
  }

  async createRichMenu(menu: LineRichMenu): Promise<string> {
    const { richMenuId } = await this.call(LineEndpoint.RichMenuCreate, 'create rich menu', () =>
      this.messaging.createRichMenu(menu),
    );
    return richMenuId;
  }

  async validateRichMenu(menu: LineRichMenu): Promise<void> {
    await this.call(LineEndpoint.Other, 'validate rich menu', () => this.messaging.validateRichMenuObject(menu));
  }

  async setRichMenuImage(richMenuId: string, image: Buffer, contentType: 'image/png' | 'image/jpeg'): Promise<void> {
    const blob = new Blob([new Uint8Array(image)], { type: contentType });
    await this.call(LineEndpoint.Other, 'upload rich menu image', () => this.blob.setRichMenuImage(richMenuId, blob));
  }

  async deleteRichMenu(richMenuId: string): Promise<void> {
    await this.call(LineEndpoint.RichMenuDelete, 'delete rich menu', () => this.messaging.deleteRichMenu(richMenuId));
  }

  async setDefaultRichMenu(richMenuId: string): Promise<void> {
    await this.call(LineEndpoint.Other, 'set default rich menu', () => this.messaging.setDefaultRichMenu(richMenuId));
  }

  async cancelDefaultRichMenu(): Promise<void> {
    await this.call(LineEndpoint.Other, 'cancel default rich menu', () => this.messaging.cancelDefaultRichMenu());
  }

  async linkRichMenuToUser(userId: string, richMenuId: string): Promise<void> {
    await this.call(LineEndpoint.RichMenuLinkUser, 'link rich menu', () =>
      this.messaging.linkRichMenuIdToUser(userId, richMenuId),
    );
  }

  async unlinkRichMenuFromUser(userId: string): Promise<void> {
    await this.call(LineEndpoint.RichMenuUnlinkUser, 'unlink rich menu', () =>
      this.messaging.unlinkRichMenuIdFromUser(userId),
    );
  }

  /** Bulk link (≤ 500 users per request; LINE applies it asynchronously). */
  async bulkLinkRichMenu(richMenuId: string, userIds: string[]): Promise<void> {
    this.checkBulk(userIds);
    await this.call(LineEndpoint.RichMenuBulkLink, 'bulk link rich menu', () =>
      this.messaging.linkRichMenuIdToUsers({ richMenuId, userIds }),
    );
  }

  async bulkUnlinkRichMenu(userIds: string[]): Promise<void> {
    this.checkBulk(userIds);
    await this.call(LineEndpoint.RichMenuBulkUnlink, 'bulk unlink rich menu', () =>
      this.messaging.unlinkRichMenuIdFromUsers({ userIds }),
    );
  }

  /** The menu linked to one user, or null when none is (LINE answers 404). */
  async getRichMenuIdOfUser(userId: string): Promise<string | null> {
    try {
      const { richMenuId } = await this.call(LineEndpoint.RichMenuGetUser, 'get rich menu of user', () =>
        this.messaging.getRichMenuIdOfUser(userId),
      );
      return richMenuId;
    } catch (e) {
      if (e instanceof LineException && e.code === LineErrorCode.NotFound) return null;
      throw e;
    }
  }

  private checkBulk(userIds: string[]): void {
    if (userIds.length === 0 || userIds.length > LINE_MAX_USERS_PER_REQUEST) {
      throw new LineException(
        LineErrorCode.ClientError,
        `bulk rich menu calls take 1..500 user IDs, not ${userIds.length}`,
      );
    }
  }
}
