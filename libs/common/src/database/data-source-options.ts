import { DataSourceOptions, MixedList } from 'typeorm';
import { AppConfig } from '../config/app-config';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration classes
type MigrationList = MixedList<Function | string>;

/**
 * The one set of TypeORM options used by the api, the worker, the CLI and the migrations.
 * `synchronize` is off everywhere: the migrations are the schema.
 */
export function dataSourceOptions(
  config: AppConfig,
  extra: { entities?: DataSourceOptions['entities']; migrations?: MigrationList; applicationName?: string } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    uuidExtension: 'pgcrypto',
    url: config.database.url,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    entities: extra.entities ?? [],
    migrations: extra.migrations ?? [],
    logging: ['error'],
    extra: {
      max: config.database.poolSize,
      statement_timeout: config.database.statementTimeoutMs,
      // A connection not free within the time any statement may run means the pool is stuck (a
      // holder waiting for a second connection while every one is held): fail, roll back and let
      // the job retry, instead of waiting for ever.
      connectionTimeoutMillis: config.database.statementTimeoutMs,
      application_name: extra.applicationName ?? 'line-segment-engine',
    },
  };
}
