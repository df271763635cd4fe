import { availableParallelism } from 'node:os';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const toFloat = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
const url = { require_tld: false, require_protocol: true };

/**
 * Every environment variable the engine reads, with its default. Documented one by one in
 * `.env.example` and the README; nothing else in the code base reads `process.env`.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  API_HOST = '0.0.0.0';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  @IsOptional()
  @IsUrl(url)
  PUBLIC_BASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 32 * 1024 * 1024;

  /**
   * How long a verified API key is trusted without reading it again (0: every request reads it).
   * A key revoked through another process stops working after at most this long; through the
   * same process at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  API_KEY_CACHE_MS = 5_000;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/line_segment_engine';

  /**
   * Twice the cores by default (PostgreSQL's rule of thumb: cores × 2 + spindles). More
   * connections than the database can run at once only make its backends preempt each other: with
   * the worker, PostgreSQL and the emulator on 2 cores, 10 connections cost 7.4–9.0 core-s of
   * PostgreSQL per 1M multicast recipients against 5.9–6.8 with 4, and sent 106–139k recipients/s
   * against 140–164k/s. At least 4, so that on one or two cores a worker's trigger relay,
   * planners and senders still get a connection each at once. (No task holds one connection while
   * it asks for another: the relay reads its context before its transaction, and session locks
   * live on a connection of their own, SessionLocks.)
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = Math.max(4, 2 * availableParallelism());

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DATABASE_STATEMENT_TIMEOUT_MS = 30_000;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsOptional()
  @Matches(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'QUEUE_PREFIX may hold letters, digits, ":", "_" and "-"' })
  QUEUE_PREFIX?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @Transform(toBool)
  @IsBoolean()
  LOG_PRETTY = false;

  @Transform(toBool)
  @IsBoolean()
  DOCS_ENABLED = true;

  @Transform(toBool)
  @IsBoolean()
  QUEUE_DASHBOARD_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY = 16;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  WORKER_HEARTBEAT_INTERVAL_MS = 5_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SHUTDOWN_GRACE_MS = 25_000;

  @IsOptional()
  @IsString()
  LINE_CHANNEL_ID?: string;

  @IsOptional()
  @IsString()
  LINE_CHANNEL_SECRET?: string;

  @IsOptional()
  @IsString()
  LINE_CHANNEL_ACCESS_TOKEN?: string;

  @IsOptional()
  @IsUrl(url)
  LINE_API_BASE_URL?: string;

  @IsOptional()
  @IsUrl(url)
  LINE_DATA_API_BASE_URL?: string;

  @IsOptional()
  @IsUrl(url)
  LINE_ACCESS_BASE_URL?: string;

  @IsOptional()
  @IsUrl(url)
  LINE_OAUTH_BASE_URL?: string;

  /** LINE's SDK has no timeout of its own: every LINE call is aborted after this long. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  LINE_REQUEST_TIMEOUT_MS = 10_000;

  /**
   * Share of LINE's rate limits the engine uses (percent), leaving room for clock skew; above 100
   * only against the emulator with its limits off, to measure the engine's own ceiling.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LINE_RATE_PERCENT = 99;

  /** The reference login page at /link/login; default on, except in production. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  LINK_LOGIN_PAGE_ENABLED?: boolean;

  /** How long an account-link nonce stays usable (LINE's link token itself lives 10 minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(3600)
  LINK_NONCE_TTL_SECONDS = 600;

  /** How often the worker compares desired and actual rich menus per channel; 0 turns it off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RICH_MENU_RECONCILE_INTERVAL_MS = 900_000;

  /**
   * How often the worker recounts saved segments whose cached count is older than this (the
   * counts shown by GET /segments/{id}); 0 turns the periodic refresh off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SEGMENT_REFRESH_INTERVAL_MS = 900_000;

  /**
   * A segment preview's count is split by member id into this many parts, counted at once on as
   * many database connections (1: one statement). PostgreSQL's own parallel plans cannot merge
   * the member-ordered indexes the counts read (docs/segments.md, round 16); set this to the
   * database server's idle cores.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  SEGMENT_PREVIEW_PARTS = 2;

  /** Workspaces with fewer member ids than this are counted in one statement. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SEGMENT_PREVIEW_SPLIT_MIN_MEMBERS = 100_000;

  /** Snapshots no campaign run refers to are deleted this many days after they were taken. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  SEGMENT_SNAPSHOT_RETENTION_DAYS = 30;

  /**
   * Delivery batches one worker process has in flight at once. More than LINE's latency needs:
   * the batches' claims, stored requests and outcomes share statements (Coalescer), and the more
   * are in flight the larger the groups, so PostgreSQL does less per recipient (1M multicast with
   * the limits off: 221–246k/s at 48, 238–279k/s at 160 in the same minutes; docs/campaigns.md).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DELIVERY_CONCURRENCY = 160;

  /** How often the outbox reconciler and the campaign scheduler look for work. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  DELIVERY_RECONCILE_INTERVAL_MS = 1_000;

  /** How long a worker holds a batch or a planning run without renewing it; a dead worker's work is taken over after this. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  DELIVERY_LEASE_MS = 30_000;

  @IsString()
  EMULATOR_HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  EMULATOR_PORT = 3900;

  /** Where the emulator posts webhooks (the api); default http://127.0.0.1:$API_PORT. */
  @IsOptional()
  @IsUrl(url)
  EMULATOR_WEBHOOK_BASE_URL?: string;

  /** The dev channel that the emulator serves and `channel ensure-emulator` seeds in the engine. */
  @Matches(/^\d{1,20}$/, { message: 'EMULATOR_CHANNEL_ID must be digits' })
  EMULATOR_CHANNEL_ID = '2000000000';

  @IsString()
  EMULATOR_CHANNEL_SECRET = '8f3c2e1d4b5a69788f3c2e1d4b5a6978';

  @IsString()
  EMULATOR_CHANNEL_ACCESS_TOKEN = 'emulator-dev-channel-access-token';

  @Matches(/^\d{1,20}$/, { message: 'EMULATOR_LOGIN_CHANNEL_ID must be digits' })
  EMULATOR_LOGIN_CHANNEL_ID = '2000000001';

  @IsString()
  EMULATOR_LOGIN_CHANNEL_SECRET = '1b2a3c4d5e6f70811b2a3c4d5e6f7081';

  @Transform(toBool)
  @IsBoolean()
  EMULATOR_RATE_LIMITS = true;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  EMULATOR_LATENCY_MS = 0;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  EMULATOR_MONTHLY_QUOTA?: number;

  @Transform(toInt)
  @IsInt()
  EMULATOR_FAULT_SEED = 1;

  @Transform(toFloat)
  @IsNumber()
  @Min(0)
  @Max(1)
  EMULATOR_FAULT_500_RATE = 0;

  @Transform(toFloat)
  @IsNumber()
  @Min(0)
  @Max(1)
  EMULATOR_FAULT_429_RATE = 0;

  @Transform(toFloat)
  @IsNumber()
  @Min(0)
  @Max(1)
  EMULATOR_FAULT_TIMEOUT_RATE = 0;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  EMULATOR_WEBHOOK_MAX_REDELIVERIES = 3;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  EMULATOR_WEBHOOK_RETRY_DELAY_MS = 1000;
}
