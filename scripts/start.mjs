// `npm start`: bootstraps everything (dependencies, Node 24, PostgreSQL, Redis, database, build,
// migrations), then runs the emulator (when no LINE channel is configured), the api and the
// worker, prints where they are, and stops them all cleanly on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, log, root } from './lib/bootstrap.mjs';

const env = await bootstrap({ migrateDatabase: true });
const apiPort = Number(env.API_PORT ?? 3000);
const emulatorPort = Number(env.EMULATOR_PORT ?? 3900);
const publicUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${apiPort}`).replace(/\/$/, '');
const emulatorMain = join(root, 'dist/apps/line-emulator/src/main.js');
const useEmulator = !env.LINE_CHANNEL_ACCESS_TOKEN && existsSync(emulatorMain);

const colours = { emulator: 35, api: 32, worker: 33 };
const children = new Map();

function startProcess(name, script) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, script)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `\x1b[${colours[name]}m${name.padEnd(8)}\x1b[0m| `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping the rest.`);
      stop(code ?? 1);
    } else if (children.size === 0) {
      process.exit(exitCode);
    }
  });
  children.set(name, child);
}

let stopping = false;
let exitCode = 0;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  log('Stopping…');
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(code);
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, 30_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitReady(url, seconds) {
  for (let i = 0; i < seconds * 4 && !stopping; i++) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

if (useEmulator) {
  // The emulator's dev channel must exist on both sides: the emulator has it from its config,
  // the engine gets it in its channels table (idempotent).
  const seeded = spawnSync(
    process.execPath,
    ['--enable-source-maps', join(root, 'dist/apps/cli/src/main.js'), 'channel', 'ensure-emulator'],
    { cwd: root, env, stdio: 'inherit' },
  );
  if (seeded.status !== 0) log('Could not register the emulator channel in the engine (see above).');
  startProcess('emulator', 'dist/apps/line-emulator/src/main.js');
  await waitReady(`http://127.0.0.1:${emulatorPort}/_emulator/health`, 30);
}
startProcess('api', 'dist/apps/api/src/main.js');
startProcess('worker', 'dist/apps/worker/src/main.js');

if (await waitReady(`http://127.0.0.1:${apiPort}/health/ready`, 60)) {
  const lines = [
    `API              ${publicUrl}`,
    `OpenAPI docs     ${publicUrl}/docs  (JSON: ${publicUrl}/docs.json)`,
    `Queue dashboard  ${publicUrl}/queues  (user: any, password: an admin API key)`,
    `Health           ${publicUrl}/health/ready`,
    useEmulator
      ? `LINE emulator    http://127.0.0.1:${emulatorPort}  (admin API under /_emulator, docs/emulator.md; channel ${env.EMULATOR_CHANNEL_ID ?? '2000000000'})`
      : `LINE platform    ${env.LINE_API_BASE_URL ?? 'https://api.line.me'}`,
    'First API key    npm run cli -- api-key create --scope admin',
  ];
  process.stdout.write(
    `\n\x1b[1mLINE Segment Engine is running\x1b[0m\n${lines.map((l) => `  ${l}`).join('\n')}\n  Ctrl-C stops everything.\n\n`,
  );
} else if (!stopping) {
  log('The API did not become ready within 60 s; see the logs above.');
}
