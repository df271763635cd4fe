import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, loadConfig } from '@app/common';
import { createDataSource } from '../../../migrations/data-source';
import { CliModule } from './cli.module';
import { apiKeyCommand } from './commands/api-key.commands';
import { channelCommand } from './commands/channel.commands';
import { generateMigration, revertMigration, runMigrations } from './commands/migration.commands';

const USAGE = `usage: npm run cli -- <command>
  migrate                         apply pending migrations
  migration:revert                undo the last migration
  migration:generate <Name>       write a migration for entity changes
  migration:check                 fail if the entities and the migrations differ
  api-key create --scope <admin|write|read> [--name N] [--workspace ID]
  api-key list [--workspace ID]
  api-key revoke <id> [--workspace ID]
  channel ensure-emulator         register the emulator's dev channel (EMULATOR_CHANNEL_*)
  channel ensure-env              register the channel set by LINE_CHANNEL_*`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { scope: { type: 'string' }, name: { type: 'string' }, workspace: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  const config = loadConfig(process.env);
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  if (command?.startsWith('migrat')) {
    const dataSource = await createDataSource(config).initialize();
    try {
      if (command === 'migrate' || command === 'migration:run') {
        const applied = await runMigrations(dataSource);
        out(applied.length === 0 ? 'Schema is up to date.' : `Applied ${applied.join(', ')}`);
      } else if (command === 'migration:revert') {
        await revertMigration(dataSource);
      } else if (command === 'migration:generate') {
        const file = await generateMigration(dataSource, rest[0] ?? '', process.cwd());
        out(file === null ? 'No changes: nothing generated.' : `Wrote ${file}`);
      } else if (command === 'migration:check') {
        const pending = (await dataSource.driver.createSchemaBuilder().log()).upQueries;
        if (pending.length > 0) {
          pending.forEach((q) => out(q.query));
          process.stderr.write('Entities and migrations differ: run migration:generate.\n');
          return 1;
        }
        out('Entities and migrations agree.');
      } else {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
    } finally {
      await dataSource.destroy();
    }
    return 0;
  }

  if (command === 'api-key') {
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
    try {
      await apiKeyCommand(app, { action: rest[0] ?? '', id: rest[1], ...values }, out);
    } finally {
      await app.close();
    }
    return 0;
  }
  if (command === 'channel') {
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
    try {
      await channelCommand(app, config, rest[0] ?? '', out);
    } finally {
      await app.close();
    }
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof ConfigValidationError || e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
