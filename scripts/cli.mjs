// `npm run cli -- <command>`: builds, then runs the engine's CLI (see apps/cli).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build, engineEnvironment, ensureDependencies, ensureNode24, root } from './lib/bootstrap.mjs';

ensureDependencies();
ensureNode24();
build();
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', join(root, 'dist/apps/cli/src/main.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: engineEnvironment(),
  },
);
process.exit(result.status ?? 1);
