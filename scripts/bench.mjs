// `node scripts/bench.mjs NAME [args…]` (`npm run bench:NAME`): compiles apps, libs and bench/
// with SWC, then runs dist/bench/NAME.js on Node 24. Benchmarks print their own figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, engineEnvironment, ensureDependencies, ensureNode24, fail, root } from './lib/bootstrap.mjs';

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) fail('usage: node scripts/bench.mjs NAME (runs bench/NAME.ts)');
ensureDependencies();
ensureNode24();
if (!existsSync(join(root, 'bench', `${name}.ts`))) fail(`bench/${name}.ts does not exist`);
build({ extraDirs: ['bench'] });
const result = spawnSync(process.execPath, ['--enable-source-maps', join(root, 'dist/bench', `${name}.js`), ...args], {
  stdio: 'inherit',
  cwd: root,
  env: engineEnvironment(),
});
process.exit(result.status ?? 1);
