import { HttpStatus } from '@nestjs/common';
import { AppException } from '@app/common';

/** What went wrong talking to LINE, in the terms a caller decides on (retry, stop, give up). */
export enum LineErrorCode {
  /** 429 "The API rate limit has been exceeded": retry later (it consumed nothing). */
  RateLimited = 'LINE_RATE_LIMITED',
  /** 429 "You have reached your monthly limit.": retrying will not help until next month. */
  QuotaExhausted = 'LINE_QUOTA_EXHAUSTED',
  /** 409 with x-line-accepted-request-id: an earlier request with this retry key was accepted. */
  RetryKeyAccepted = 'LINE_RETRY_KEY_ACCEPTED',
  /** 401/403: the channel access token is wrong, revoked or lacks the permission. */
  Unauthorized = 'LINE_UNAUTHORIZED',
  /** 404 from LINE: unknown user (not a friend), rich menu, … */
  NotFound = 'LINE_NOT_FOUND',
  /** Any other 4xx: the request itself is wrong; do not retry. */
  ClientError = 'LINE_CLIENT_ERROR',
  /** 5xx: retry (with the same retry key where there is one). */
  ServerError = 'LINE_SERVER_ERROR',
  /** No answer in time: retry (with the same retry key where there is one). */
  Timeout = 'LINE_TIMEOUT',
  /** The connection failed before any answer. */
  NetworkError = 'LINE_NETWORK_ERROR',
  /** LINE answered something the engine cannot use (e.g. an ID token that does not verify). */
  Rejected = 'LINE_REJECTED',
}

export interface LineErrorDetails {
  /** HTTP status from LINE, when it answered. */
  lineStatus?: number;
  /** LINE's `message`, e.g. "The API rate limit has been exceeded. Try again later." */
  lineMessage?: string;
  /** LINE's `details[]` ({ message, property }). */
  lineDetails?: Array<{ message?: string; property?: string }>;
  /** x-line-request-id of the failed request. */
  requestId?: string;
  /** x-line-accepted-request-id: the earlier request that owns the retry key (409). */
  acceptedRequestId?: string;
}

const RETRYABLE = new Set<LineErrorCode>([
  LineErrorCode.RateLimited,
  LineErrorCode.ServerError,
  LineErrorCode.Timeout,
  LineErrorCode.NetworkError,
]);

/** HTTP status when a LINE failure surfaces through our own API. */
const SURFACE_STATUS: Record<LineErrorCode, HttpStatus> = {
  [LineErrorCode.RateLimited]: HttpStatus.SERVICE_UNAVAILABLE,
  [LineErrorCode.QuotaExhausted]: HttpStatus.SERVICE_UNAVAILABLE,
  [LineErrorCode.RetryKeyAccepted]: HttpStatus.CONFLICT,
  [LineErrorCode.Unauthorized]: HttpStatus.BAD_GATEWAY,
  [LineErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [LineErrorCode.ClientError]: HttpStatus.BAD_REQUEST,
  [LineErrorCode.ServerError]: HttpStatus.BAD_GATEWAY,
  [LineErrorCode.Timeout]: HttpStatus.GATEWAY_TIMEOUT,
  [LineErrorCode.NetworkError]: HttpStatus.BAD_GATEWAY,
  [LineErrorCode.Rejected]: HttpStatus.UNAUTHORIZED,
};

/** The one exception class of @app/line: every failure of a LINE call becomes one of these. */
export class LineException extends AppException<LineErrorCode> {
  readonly line: LineErrorDetails;

  constructor(code: LineErrorCode, message: string, line: LineErrorDetails = {}, status = SURFACE_STATUS[code]) {
    super(
      code,
      status,
      message,
      (line.lineDetails ?? []).map((d) => ({ field: d.property ?? 'line', reason: d.message ?? 'rejected by LINE' })),
    );
    this.line = line;
  }

  /** Worth trying again later (same retry key for push/multicast). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
