import Fastify, { FastifyError, FastifyInstance } from 'fastify';
import { adminRoutes } from './admin/admin.routes';
import { EmulatorContext, EmulatorSettings } from './context';
import { FaultPlan, FaultSettings } from './core/fault-rng';
import { MessageIds } from './core/ids';
import { Recorder } from './recording';
import { accountLinkRoutes } from './routes/account-link.routes';
import { audienceRoutes } from './routes/audience.routes';
import { loginRoutes } from './routes/login.routes';
import { messageRoutes } from './routes/messages.routes';
import { richMenuRoutes } from './routes/rich-menus.routes';
import { userRoutes } from './routes/users.routes';
import { SpecValidators } from './spec/message-validator';
import { findSpecDir } from './spec/spec-loader';
import { ChannelConfig, EmulatorState } from './state';
import { WebhookDispatcher, WebhookSettings } from './webhooks/webhook-dispatcher';

export interface EmulatorOptions {
  host?: string;
  /** 0 picks a free port (tests, benchmarks). */
  port?: number;
  channels?: ChannelConfig[];
  settings?: Partial<EmulatorSettings>;
  faults?: Partial<FaultSettings>;
  webhook?: Partial<WebhookSettings>;
  /** Directory of LINE's OpenAPI documents; found next to the repository by default. */
  specDir?: string;
  /** Recording keeps at most this many recipients (oldest requests are dropped, counts stay). */
  maxRecipientsRetained?: number;
  /** Sees every exchange (contract tests); absent in normal runs, so the hot path pays nothing. */
  observe?: (exchange: Exchange) => void;
}

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
  responseHeaders: Record<string, unknown>;
  payload: unknown;
}

export interface RunningEmulator {
  url: string;
  state: EmulatorState;
  recorder: Recorder;
  context: EmulatorContext;
  close(): Promise<void>;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  rateLimits: true,
  latencyMs: 0,
  timeoutHangMs: 10_000,
  replyTokenTtlMs: 60_000,
  linkTokenTtlMs: 10 * 60_000,
  acceptUnknownUsers: true,
};

export const DEFAULT_WEBHOOK: WebhookSettings = { timeoutMs: 2_000, maxRedeliveries: 3, retryBaseDelayMs: 1_000 };

const BODY_LIMIT = 2 * 1024 * 1024;

/**
 * Builds the server: plain Fastify over in-memory state. Nest's container brings nothing here
 * (no database, queue or shared providers) and would sit in the hot path of every benchmark.
 */
export function buildEmulator(options: EmulatorOptions = {}): { app: FastifyInstance; context: EmulatorContext } {
  const state = new EmulatorState();
  for (const c of options.channels ?? []) state.upsertChannel(c);
  const recorder = new Recorder(options.maxRecipientsRetained);
  const context: EmulatorContext = {
    state,
    recorder,
    validators: new SpecValidators(findSpecDir(options.specDir)),
    webhooks: new WebhookDispatcher(recorder, { ...DEFAULT_WEBHOOK, ...options.webhook }),
    faults: new FaultPlan({ seed: 1, rate500: 0, rate429: 0, rateTimeout: 0, ...options.faults }),
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    messageIds: new MessageIds(),
    hanging: new Set(),
  };
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true },
  });
  // LINE's SDK posts some endpoints with a JSON content type and no body; that is not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('The request body could not be parsed as JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser(['image/jpeg', 'image/png'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = error.statusCode ?? 500;
    const message =
      status === 413 ? 'Request Entity Too Large' : status >= 500 ? 'Internal server error' : error.message;
    void reply.code(status).send({ message });
  });
  app.setNotFoundHandler((_req, reply) => void reply.code(404).send({ message: 'Not found' }));

  const observe = options.observe;
  if (observe !== undefined) {
    app.addHook('onSend', (req, reply, payload, done) => {
      observe({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: req.body,
        status: reply.statusCode,
        responseHeaders: reply.getHeaders(),
        payload,
      });
      done(null, payload);
    });
  }
  messageRoutes(app, context);
  userRoutes(app, context);
  richMenuRoutes(app, context);
  audienceRoutes(app, context);
  accountLinkRoutes(app, context);
  loginRoutes(app, context);
  adminRoutes(app, context, options.channels ?? []);
  return { app, context };
}

/** Starts the emulator in this process (tests, benchmarks, main.ts). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { app, context } = buildEmulator(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    state: context.state,
    recorder: context.recorder,
    context,
    close: async () => {
      context.webhooks.cancelPending();
      for (const t of context.hanging) clearTimeout(t);
      context.hanging.clear();
      await app.close();
    },
  };
}
