// `npm test`: the same bootstrap as `npm start` (dependencies, Node 24, PostgreSQL, Redis, build),
// then the whole jest suite. Extra arguments go to jest (`npm test -- libs/segments`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bootstrap, root } from './lib/bootstrap.mjs';

const env = await bootstrap({ migrateDatabase: false });
const require = createRequire(join(root, 'package.json'));
const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...env,
    NODE_ENV: 'test',
    // Lets jest load the few ESM-only dependencies natively (Node 24's require of ESM).
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
    TEST_DATABASE_SERVER_URL: env.TEST_DATABASE_SERVER_URL ?? serverUrl(env.DATABASE_URL),
  },
});
process.exit(result.status ?? 1);

function serverUrl(databaseUrl) {
  const u = new URL(databaseUrl);
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}
