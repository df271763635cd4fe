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
      application_name: extra.applicationName ?? 'line-segment-engine',
      // Named statements (preparedRows) are planned on every execution, as unnamed ones are: a
      // generic plan is kept for the connection's life, and one made while a table was nearly
      // empty (a new install, a bench's fresh database) read the whole table on every execution
      // once it had grown (11 ms per call at 11,500 events), until autovacuum's next ANALYZE.
      // Parsing and analysing are still saved.
      options: '-c plan_cache_mode=force_custom_plan',
    },
  };
}
