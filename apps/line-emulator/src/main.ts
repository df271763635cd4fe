import { ConfigValidationError, loadConfig } from '@app/common';
import { emulatorOptionsFrom } from './emulator.config';
import { startEmulator } from './server';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const options = emulatorOptionsFrom(config);
  const emulator = await startEmulator(options);
  const channel = options.channels?.[0];
  process.stdout.write(
    `LINE emulator listening on ${emulator.url} (admin API under /_emulator)\n` +
      `  channel ${channel?.channelId} → webhooks to ${channel?.webhookUrl}\n` +
      `  rate limits ${options.settings?.rateLimits === true ? 'on' : 'off'}, latency ${options.settings?.latencyMs ?? 0} ms\n`,
  );
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof ConfigValidationError || e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
