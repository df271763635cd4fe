import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@app/common';
import { createWorkerApp } from './worker.factory';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createWorkerApp(config);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    // Running jobs get the grace period to finish; BullMQ returns unfinished ones to the queue.
    const force = setTimeout(() => {
      process.stderr.write(`worker: ${signal} grace period over, exiting\n`);
      process.exit(1);
    }, config.worker.shutdownGraceMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await app.init();
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigValidationError ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
});
