import { AppConfig } from '@app/common';
import { EmulatorOptions } from './server';

/**
 * The emulator's options from the engine's typed configuration: one dev channel (with its login
 * channel) whose webhooks go to the api's `/webhooks/line/{channelId}`.
 */
export function emulatorOptionsFrom(config: AppConfig): EmulatorOptions {
  const e = config.emulator;
  return {
    host: e.host,
    port: e.port,
    channels: [
      {
        channelId: e.channel.channelId,
        channelSecret: e.channel.channelSecret,
        accessToken: e.channel.accessToken,
        webhookUrl: `${e.webhookBaseUrl}/webhooks/line/${e.channel.channelId}`,
        loginChannelId: e.loginChannel.channelId,
        loginChannelSecret: e.loginChannel.channelSecret,
        monthlyQuota: e.monthlyQuota,
      },
    ],
    settings: { rateLimits: e.rateLimits, latencyMs: e.latencyMs },
    faults: e.faults,
    webhook: e.webhook,
  };
}
