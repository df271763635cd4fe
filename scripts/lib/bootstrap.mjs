// Shared set-up of `npm start` and `npm test`: dependencies, Node 24, PostgreSQL, Redis, the
// database, the build and the migrations. Uses only Node built-ins until dependencies exist.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const stampPath = join(root, 'node_modules', '.lse-install-stamp');

export const log = (msg) => process.stderr.write(`\x1b[36m[lse]\x1b[0m ${msg}\n`);
export const fail = (msg) => {
  process.stderr.write(`\x1b[31m[lse]\x1b[0m ${msg}\n`);
  process.exit(1);
};

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (result.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** Installs dependencies when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const manifestHash = () =>
    createHash('sha256')
      .update(readFileSync(join(root, 'package.json')))
      .update(existsSync(join(root, 'package-lock.json')) ? readFileSync(join(root, 'package-lock.json')) : '')
      .digest('hex');
  const current = existsSync(stampPath) ? readFileSync(stampPath, 'utf8') : '';
  if (current === manifestHash() && existsSync(join(root, 'node_modules', '.bin', 'node'))) return;
  // `npm install` rather than `npm ci`: npm drops other platforms' optional packages (SWC's
  // native binaries) from the lock file, which `npm ci` then refuses; install honours the lock.
  log('Installing dependencies (npm install)…');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stampPath, manifestHash());
}

/** Re-runs this script under the Node 24 that the `node` devDependency installed. */
export function ensureNode24() {
  if (Number(process.versions.node.split('.')[0]) >= 24) return;
  const node24 = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(node24)) fail('Node.js 24 is missing from node_modules/.bin: run npm ci');
  const result = spawnSync(node24, process.argv.slice(1), { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

/** Environment as the engine will see it: .env under the real environment. */
export function engineEnvironment() {
  const dotenv = require('dotenv');
  const file = join(root, '.env');
  const fromFile = existsSync(file) ? dotenv.parse(readFileSync(file)) : {};
  const env = { ...fromFile, ...process.env };
  env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/line_segment_engine';
  env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  return env;
}

function reachable(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(host, port, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await reachable(host, port, 500)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const endpoint = (url, defaultPort) => {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
};

function commandWorks(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL and Redis answer, or we start them (Docker, then Debian packages), or say how. */
export async function ensureServices(env) {
  const pg = endpoint(env.DATABASE_URL, 5432);
  const redis = endpoint(env.REDIS_URL, 6379);
  let pgUp = await reachable(pg.host, pg.port);
  let redisUp = await reachable(redis.host, redis.port);
  if (pgUp && redisUp) return;
  const missing = [!pgUp && `PostgreSQL at ${pg.host}:${pg.port}`, !redisUp && `Redis at ${redis.host}:${redis.port}`]
    .filter(Boolean)
    .join(' and ');
  log(`${missing} not answering.`);
  if (commandWorks('docker', ['info'])) {
    log('Starting them with docker compose…');
    run('docker', ['compose', 'up', '-d', 'postgres', 'redis']);
  } else if (existsSync('/etc/debian_version') && process.getuid?.() === 0) {
    const packages = [!pgUp && 'postgresql', !redisUp && 'redis-server'].filter(Boolean);
    if (!commandWorks('sh', ['-c', `dpkg -s ${packages.join(' ')}`])) {
      log(`Installing ${packages.join(' and ')} from the Debian packages…`);
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', ...packages], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
    if (!pgUp) {
      const versions = spawnSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).stdout.trim().split('\n');
      for (const v of versions.filter(Boolean)) {
        spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', v, 'main', 'start'], { stdio: 'inherit' });
      }
      // Trust local TCP connections for the `postgres` role, as the default DATABASE_URL expects.
      spawnSync('su', ['postgres', '-c', 'psql -qc "ALTER USER postgres PASSWORD \'postgres\'"'], { stdio: 'ignore' });
    }
    if (!redisUp) {
      run('redis-server', [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        String(redis.port),
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
    }
  } else {
    fail(
      `${missing} not reachable, and neither Docker nor Debian packages (as root) are available to start them.\n` +
        'Start them yourself, e.g.:\n' +
        '  docker compose up -d postgres redis\n' +
        'or on Debian/Ubuntu:\n' +
        '  sudo apt-get install -y postgresql redis-server && sudo service postgresql start && sudo service redis-server start\n' +
        'or point DATABASE_URL / REDIS_URL (environment or .env) at running servers.',
    );
  }
  pgUp = await waitFor(pg.host, pg.port, 60);
  redisUp = await waitFor(redis.host, redis.port, 30);
  if (!pgUp || !redisUp) fail(`${missing} still not reachable after starting them.`);
}

/** Creates the database named in DATABASE_URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl) {
  const { Client } = require('pg');
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      log(`Creating database ${name}…`);
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Compiles apps, libs and migrations with SWC (type checking is `npm run lint`'s job).
 * `extraDirs` adds directories (e.g. `bench` for `npm run bench:NAME`).
 */
export function build({ extraDirs = [] } = {}) {
  run(process.execPath, [
    require.resolve('@swc/cli/bin/swc.js'),
    'apps',
    'libs',
    'migrations',
    ...extraDirs,
    '-d',
    'dist',
    '--quiet',
    '--ignore',
    '**/*.spec.ts',
  ]);
}

export function migrate(env) {
  run(process.execPath, ['--enable-source-maps', join(root, 'dist/apps/cli/src/main.js'), 'migrate'], { env });
}

export async function bootstrap({ migrateDatabase = true } = {}) {
  ensureDependencies();
  ensureNode24();
  const env = engineEnvironment();
  await ensureServices(env);
  await ensureDatabase(env.DATABASE_URL);
  build();
  if (migrateDatabase) migrate(env);
  return env;
}
