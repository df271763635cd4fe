// npm run bench:emulator [-- --duration 10 --connections 64]
// The emulator runs in a worker thread (its own event loop, as in production where it is its own
// process); autocannon drives it from the main thread. Rate limits off, recording on.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { startEmulator } from '../apps/line-emulator/src/server';

const CHANNEL = { channelId: '1999999999', channelSecret: 'bench-secret', accessToken: 'bench-token' };

async function serve(): Promise<void> {
  const { latencyMs } = workerData as { latencyMs: number };
  const emulator = await startEmulator({ channels: [CHANNEL], settings: { rateLimits: false, latencyMs } });
  parentPort?.postMessage(emulator.url);
  parentPort?.on('message', (m) => {
    if (m === 'stop') void emulator.close().then(() => process.exit(0));
  });
}

const userId = (): string => `U${randomBytes(16).toString('hex')}`;

interface Figures {
  name: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function run(
  url: string,
  name: string,
  path: string,
  body: unknown,
  duration: number,
  connections: number,
): Promise<Figures> {
  const r = await autocannon({
    url: `${url}${path}`,
    method: 'POST',
    headers: { authorization: `Bearer ${CHANNEL.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    duration,
    connections,
  });
  return {
    name,
    reqPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function startWorker(latencyMs: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const worker = new Worker(__filename, { workerData: { latencyMs } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url,
    stop: async () => {
      worker.postMessage('stop');
      await new Promise((r) => worker.once('exit', r));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' } },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const text = [{ type: 'text', text: 'Hello from the benchmark! 🎉' }];
  const results: Figures[] = [];
  const out = (line: string): void => void process.stdout.write(`${line}\n`);

  const plain = await startWorker(0);
  out(`LINE emulator benchmark: ${duration} s per run, ${connections} connections, rate limits off, recording on`);
  results.push(
    await run(
      plain.url,
      'push (1 recipient)',
      '/v2/bot/message/push',
      { to: userId(), messages: text },
      duration,
      connections,
    ),
  );
  const to = Array.from({ length: 500 }, userId);
  results.push(
    await run(
      plain.url,
      'multicast (500 recipients)',
      '/v2/bot/message/multicast',
      { to, messages: text },
      duration,
      connections,
    ),
  );
  const counts = (await (await fetch(`${plain.url}/_emulator/counts`)).json()) as {
    requests: Record<string, number>;
    recipientsDelivered: number;
  };
  await plain.stop();

  const slow = await startWorker(30);
  results.push(
    await run(
      slow.url,
      'multicast (500), 30 ms latency',
      '/v2/bot/message/multicast',
      { to, messages: text },
      duration,
      connections,
    ),
  );
  await slow.stop();

  out('');
  out('scenario                          req/s    p50 ms   p99 ms   non-2xx  errors');
  for (const r of results) {
    out(
      `${r.name.padEnd(32)} ${String(r.reqPerSec).padStart(6)}  ${String(r.p50).padStart(7)}  ${String(r.p99).padStart(7)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}`,
    );
  }
  out('');
  out(
    `recorded: ${counts.requests.push} push, ${counts.requests.multicast} multicast requests, ${counts.recipientsDelivered} deliveries`,
  );
  const [push, multicast] = results;
  out(
    `targets: push ≥ 5000 req/s ${push.reqPerSec >= 5000 ? 'MET' : 'MISSED'}; multicast(500) ≥ 1000 req/s ${multicast.reqPerSec >= 1000 ? 'MET' : 'MISSED'}`,
  );
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
} else {
  void serve();
}
