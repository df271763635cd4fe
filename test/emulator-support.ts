import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { OpenAPIBackend } from 'openapi-backend';
import { createSpecAjv } from '../apps/line-emulator/src/spec/message-validator';
import { JsonObject, loadSpec, resolveDiscriminators } from '../apps/line-emulator/src/spec/spec-loader';
import type { Exchange } from '../apps/line-emulator/src/server';

export const SPEC_DIR = resolve(process.cwd(), '../shared/line-openapi');

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { destination: string; events: Record<string, unknown>[] };
}

/** A tiny webhook receiver: records each request and answers with the next queued status. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly statuses: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ headers: req.headers, raw, body: JSON.parse(raw) as ReceivedWebhook['body'] });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/line`;
    return this;
  }

  events(type?: string): Record<string, unknown>[] {
    return this.received.flatMap((w) => w.body.events).filter((e) => type === undefined || e.type === type);
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > end) throw new Error(`only ${this.received.length} of ${count} webhooks arrived`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const customizeAjv = (): Ajv => createSpecAjv();

async function backend(file: string): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    definition: resolveDiscriminators(loadSpec(SPEC_DIR, file), 'one-of') as never,
    strict: false,
    validate: true,
    customizeAjv,
  });
  await api.init();
  return api;
}

/**
 * LINE's OpenAPI documents as a validator (openapi-backend over ajv) for requests, responses
 * and webhooks. Discriminated unions are made explicit first (see resolveDiscriminators).
 */
export class Contract {
  private constructor(
    private readonly apis: OpenAPIBackend[],
    private readonly errorResponse: (v: unknown) => boolean,
    private readonly callback: ReturnType<Ajv['compile']>,
  ) {}

  static async load(): Promise<Contract> {
    const apis = await Promise.all(['messaging-api.yml', 'manage-audience.yml'].map(backend));
    const ajv = createSpecAjv();
    const messaging = resolveDiscriminators(loadSpec(SPEC_DIR, 'messaging-api.yml'));
    const webhook = resolveDiscriminators(loadSpec(SPEC_DIR, 'webhook.yml'));
    ajv.addSchema({ $id: 'messaging', components: messaging.components as JsonObject });
    ajv.addSchema({ $id: 'webhook', components: webhook.components as JsonObject });
    return new Contract(
      apis,
      ajv.compile({ $ref: 'messaging#/components/schemas/ErrorResponse' }),
      ajv.compile({ $ref: 'webhook#/components/schemas/CallbackRequest' }),
    );
  }

  /** Problems of one exchange with the LINE API; [] when it follows the documents. */
  check(ex: Exchange): string[] {
    const [path, search = ''] = ex.url.split('?');
    // Query values arrive as strings; the documents type some as integers.
    const query = Object.fromEntries(
      [...new URLSearchParams(search)].map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]),
    );
    const req = {
      method: ex.method.toLowerCase(),
      path,
      query: query as unknown as Record<string, string>,
      headers: ex.headers as Record<string, string>,
      body: ex.body,
    };
    for (const api of this.apis) {
      const operation = api.matchOperation(req);
      if (operation === undefined) continue;
      const problems: string[] = [];
      const isJson = String(ex.headers['content-type'] ?? '').startsWith('application/json');
      if (ex.status < 400 && (isJson || ex.body === undefined)) {
        const r = api.validateRequest(req, operation);
        if (r.errors) problems.push(`request ${JSON.stringify(r.errors)}`);
      }
      const ct = ex.responseHeaders['content-type'];
      const contentType = typeof ct === 'string' ? ct : '';
      if (contentType.startsWith('application/json')) {
        const body: unknown = JSON.parse(String(ex.payload));
        const declared = (operation.responses ?? {})[String(ex.status)] !== undefined;
        if (declared) {
          const r = api.validateResponse(body, operation, ex.status);
          if (r.errors) problems.push(`response ${ex.status} ${JSON.stringify(r.errors)}`);
        } else if (ex.status >= 400) {
          if (!this.errorResponse(body)) problems.push(`error body ${String(ex.payload)}`);
        } else {
          problems.push(`undeclared status ${ex.status}`);
        }
      }
      return problems.map((p) => `${ex.method} ${path}: ${p}`);
    }
    return [`${ex.method} ${path}: not in LINE's documents`];
  }

  checkWebhook(body: unknown): string[] {
    return this.callback(body) ? [] : [JSON.stringify(this.callback.errors)];
  }
}

export const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
