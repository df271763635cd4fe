import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { LineChannelClient } from './line-channel.client';
import { LineRateLimiter } from './line-rate-limiter';

/** The channel fields a client needs (a ChannelEntity fits). */
export interface LineChannelCredentials {
  id: string;
  accessToken: string;
}

/**
 * The engine's only way to reach LINE: per-channel clients pointed at the configured hosts
 * (LINE or the emulator), sharing one rate limiter in Redis. Clients are cached per channel and
 * token, so a rotated token takes effect on the next call.
 */
@Injectable()
export class LineClientFactory {
  private readonly clients = new Map<string, { token: string; client: LineChannelClient }>();

  constructor(
    private readonly config: AppConfig,
    private readonly limiter: LineRateLimiter,
  ) {}

  forChannel(channel: LineChannelCredentials): LineChannelClient {
    const cached = this.clients.get(channel.id);
    if (cached !== undefined && cached.token === channel.accessToken) return cached.client;
    const { endpoints, requestTimeoutMs } = this.config.line;
    const client = new LineChannelClient({
      channelId: channel.id,
      accessToken: channel.accessToken,
      apiBaseUrl: endpoints.apiBaseUrl,
      dataApiBaseUrl: endpoints.dataApiBaseUrl,
      timeoutMs: requestTimeoutMs,
      limiter: this.limiter,
    });
    this.clients.set(channel.id, { token: channel.accessToken, client });
    return client;
  }

  /** The account-link dialog the company's site redirects the browser to. */
  accountLinkUrl(linkToken: string, nonce: string): string {
    const url = new URL('/dialog/bot/accountLink', this.config.line.endpoints.accessBaseUrl);
    url.searchParams.set('linkToken', linkToken);
    url.searchParams.set('nonce', nonce);
    return url.toString();
  }
}
