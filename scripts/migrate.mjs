import { bootstrap } from './lib/bootstrap.mjs';

await bootstrap({ migrateDatabase: true });
