import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@app/common';
import { createApiApp } from './api.factory';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApiApp(config);
  await app.listen({ port: config.api.port, host: config.api.host });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigValidationError ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
});
