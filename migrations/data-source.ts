import { DataSource } from 'typeorm';
import { AppConfig, dataSourceOptions } from '@app/common';
import { ALL_ENTITIES } from './entities';
import { MIGRATIONS } from './index';

/** The data source of the migration runner, the CLI and the schema-drift test. */
export function createDataSource(config: AppConfig, applicationName = 'lse-migrations'): DataSource {
  return new DataSource(dataSourceOptions(config, { entities: ALL_ENTITIES, migrations: MIGRATIONS, applicationName }));
}

/** Applies every pending migration with `config`'s database (tests' and benchmarks' scratch databases). */
export async function applyMigrations(config: AppConfig): Promise<void> {
  const dataSource = await createDataSource(config).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
