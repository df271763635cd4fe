import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { EnvironmentVariables } from './environment';
import { parseEnvironment } from './environment.parse';

export type LineMode = 'emulator' | 'line';

export interface LineEndpoints {
  /** api.line.me: Messaging API and LINE Login verification. */
  apiBaseUrl: string;
  /** api-data.line.me: rich menu images and other binary content. */
  dataApiBaseUrl: string;
  /** access.line.me: the account-link dialog and LINE Login authorize page. */
  accessBaseUrl: string;
  /** api.line.me/oauth2: LINE Login token and verify endpoints. */
  oauthBaseUrl: string;
}

/**
 * The one typed configuration object. Built once at start-up from the environment (and an
 * optional `.env`) and injected everywhere; nothing else reads `process.env`.
 */
export class AppConfig {
  readonly env: EnvironmentVariables['NODE_ENV'];
  readonly api: { host: string; port: number; publicBaseUrl: string; bodyLimitBytes: number; apiKeyCacheMs: number };
  readonly database: { url: string; poolSize: number; statementTimeoutMs: number };
  readonly redis: { url: string };
  readonly queue: { prefix: string };
  readonly log: { level: EnvironmentVariables['LOG_LEVEL']; pretty: boolean };
  readonly features: { docs: boolean; queueDashboard: boolean };
  readonly worker: { concurrency: number; heartbeatIntervalMs: number; shutdownGraceMs: number };
  readonly line: {
    mode: LineMode;
    endpoints: LineEndpoints;
    /** Every LINE call is aborted after this long (the SDK has no timeout of its own). */
    requestTimeoutMs: number;
    /** Share of LINE's rate limits (percent) that the shared limiter allows. */
    ratePercent: number;
    /** A channel configured through the environment, seeded into the default workspace. */
    channel?: { channelId: string; channelSecret: string; accessToken: string };
  };
  readonly emulator: {
    host: string;
    port: number;
    baseUrl: string;
    /** Base of the api that receives the emulator's webhooks (`/webhooks/line/{channelId}`). */
    webhookBaseUrl: string;
    /** The dev channel known to both the emulator and the engine (seeded by `channel ensure-emulator`). */
    channel: { channelId: string; channelSecret: string; accessToken: string };
    loginChannel: { channelId: string; channelSecret: string };
    rateLimits: boolean;
    latencyMs: number;
    monthlyQuota: number | null;
    faults: { seed: number; rate500: number; rate429: number; rateTimeout: number };
    webhook: { maxRedeliveries: number; retryBaseDelayMs: number };
  };
  readonly delivery: { concurrency: number; reconcileIntervalMs: number; leaseMs: number };
  readonly linking: { loginPageEnabled: boolean; nonceTtlSeconds: number; richMenuReconcileIntervalMs: number };
  readonly segments: {
    refreshIntervalMs: number;
    snapshotRetentionDays: number;
    previewParts: number;
    previewSplitMinMembers: number;
  };

  constructor(e: EnvironmentVariables) {
    this.env = e.NODE_ENV;
    this.api = {
      host: e.API_HOST,
      port: e.API_PORT,
      publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.API_PORT}`).replace(/\/$/, ''),
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      apiKeyCacheMs: e.API_KEY_CACHE_MS,
    };
    this.database = {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    };
    this.redis = { url: e.REDIS_URL };
    this.queue = { prefix: e.QUEUE_PREFIX ?? `lse-${e.NODE_ENV}` };
    this.log = { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY };
    this.features = { docs: e.DOCS_ENABLED, queueDashboard: e.QUEUE_DASHBOARD_ENABLED };
    this.worker = {
      concurrency: e.WORKER_CONCURRENCY,
      heartbeatIntervalMs: e.WORKER_HEARTBEAT_INTERVAL_MS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    };
    const emulatorBase = `http://${e.EMULATOR_HOST}:${e.EMULATOR_PORT}`;
    this.emulator = {
      host: e.EMULATOR_HOST,
      port: e.EMULATOR_PORT,
      baseUrl: emulatorBase,
      webhookBaseUrl: (e.EMULATOR_WEBHOOK_BASE_URL ?? `http://127.0.0.1:${e.API_PORT}`).replace(/\/$/, ''),
      channel: {
        channelId: e.EMULATOR_CHANNEL_ID,
        channelSecret: e.EMULATOR_CHANNEL_SECRET,
        accessToken: e.EMULATOR_CHANNEL_ACCESS_TOKEN,
      },
      loginChannel: { channelId: e.EMULATOR_LOGIN_CHANNEL_ID, channelSecret: e.EMULATOR_LOGIN_CHANNEL_SECRET },
      rateLimits: e.EMULATOR_RATE_LIMITS,
      latencyMs: e.EMULATOR_LATENCY_MS,
      monthlyQuota: e.EMULATOR_MONTHLY_QUOTA ?? null,
      faults: {
        seed: e.EMULATOR_FAULT_SEED,
        rate500: e.EMULATOR_FAULT_500_RATE,
        rate429: e.EMULATOR_FAULT_429_RATE,
        rateTimeout: e.EMULATOR_FAULT_TIMEOUT_RATE,
      },
      webhook: {
        maxRedeliveries: e.EMULATOR_WEBHOOK_MAX_REDELIVERIES,
        retryBaseDelayMs: e.EMULATOR_WEBHOOK_RETRY_DELAY_MS,
      },
    };
    this.delivery = {
      concurrency: e.DELIVERY_CONCURRENCY,
      reconcileIntervalMs: e.DELIVERY_RECONCILE_INTERVAL_MS,
      leaseMs: e.DELIVERY_LEASE_MS,
    };
    const mode: LineMode = e.LINE_CHANNEL_ACCESS_TOKEN ? 'line' : 'emulator';
    const real = mode === 'line';
    this.line = {
      mode,
      endpoints: {
        apiBaseUrl: e.LINE_API_BASE_URL ?? (real ? 'https://api.line.me' : emulatorBase),
        dataApiBaseUrl: e.LINE_DATA_API_BASE_URL ?? (real ? 'https://api-data.line.me' : emulatorBase),
        accessBaseUrl: e.LINE_ACCESS_BASE_URL ?? (real ? 'https://access.line.me' : emulatorBase),
        oauthBaseUrl: e.LINE_OAUTH_BASE_URL ?? (real ? 'https://api.line.me' : emulatorBase),
      },
      requestTimeoutMs: e.LINE_REQUEST_TIMEOUT_MS,
      ratePercent: e.LINE_RATE_PERCENT,
      channel:
        e.LINE_CHANNEL_ID && e.LINE_CHANNEL_SECRET && e.LINE_CHANNEL_ACCESS_TOKEN
          ? {
              channelId: e.LINE_CHANNEL_ID,
              channelSecret: e.LINE_CHANNEL_SECRET,
              accessToken: e.LINE_CHANNEL_ACCESS_TOKEN,
            }
          : undefined,
    };
    this.linking = {
      loginPageEnabled: e.LINK_LOGIN_PAGE_ENABLED ?? e.NODE_ENV !== 'production',
      nonceTtlSeconds: e.LINK_NONCE_TTL_SECONDS,
      richMenuReconcileIntervalMs: e.RICH_MENU_RECONCILE_INTERVAL_MS,
    };
    this.segments = {
      refreshIntervalMs: e.SEGMENT_REFRESH_INTERVAL_MS,
      snapshotRetentionDays: e.SEGMENT_SNAPSHOT_RETENTION_DAYS,
      previewParts: e.SEGMENT_PREVIEW_PARTS,
      previewSplitMinMembers: e.SEGMENT_PREVIEW_SPLIT_MIN_MEMBERS,
    };
  }
}

/** Reads `.env` (if present) under the real environment, which wins, and validates both. */
export function loadConfig(
  environment: Record<string, string | undefined>,
  overrides: Record<string, string | undefined> = {},
  dotenvPath = resolve(process.cwd(), '.env'),
): AppConfig {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  return new AppConfig(parseEnvironment({ ...fromFile, ...environment, ...overrides }));
}
