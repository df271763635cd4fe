import { HTTPFetchError } from '@line/bot-sdk';
import { LineErrorCode, LineErrorDetails, LineException } from './line.exception';

const MONTHLY_LIMIT = /monthly limit/i;

interface LineErrorBody {
  message?: unknown;
  details?: unknown;
}

function parseBody(body: string): Pick<LineErrorDetails, 'lineMessage' | 'lineDetails'> {
  try {
    const parsed = JSON.parse(body) as LineErrorBody;
    const lineMessage = typeof parsed.message === 'string' ? parsed.message : undefined;
    const lineDetails = Array.isArray(parsed.details)
      ? parsed.details
          .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
          .map((d) => ({
            message: typeof d.message === 'string' ? d.message : undefined,
            property: typeof d.property === 'string' ? d.property : undefined,
          }))
      : undefined;
    return { lineMessage, lineDetails };
  } catch {
    return { lineMessage: body.slice(0, 500) || undefined };
  }
}

/** Maps an HTTP answer of LINE (status, headers, body text) to the typed error. */
export function lineHttpError(status: number, headers: Headers, body: string, what = 'LINE request'): LineException {
  const details: LineErrorDetails = {
    lineStatus: status,
    ...parseBody(body),
    requestId: headers.get('x-line-request-id') ?? undefined,
    acceptedRequestId: headers.get('x-line-accepted-request-id') ?? undefined,
  };
  const says = details.lineMessage ? `: ${details.lineMessage}` : '';
  if (status === 429) {
    return MONTHLY_LIMIT.test(details.lineMessage ?? '')
      ? new LineException(LineErrorCode.QuotaExhausted, `${what}: monthly message quota used up${says}`, details)
      : new LineException(LineErrorCode.RateLimited, `${what} rate-limited by LINE${says}`, details);
  }
  if (status === 409 && details.acceptedRequestId !== undefined) {
    return new LineException(
      LineErrorCode.RetryKeyAccepted,
      `${what}: the retry key was already accepted (request ${details.acceptedRequestId})`,
      details,
    );
  }
  if (status === 401 || status === 403) {
    return new LineException(LineErrorCode.Unauthorized, `${what} refused by LINE (${status})${says}`, details);
  }
  if (status === 404) return new LineException(LineErrorCode.NotFound, `${what}: not found on LINE${says}`, details);
  if (status >= 500)
    return new LineException(LineErrorCode.ServerError, `${what} failed on LINE (${status})${says}`, details);
  return new LineException(LineErrorCode.ClientError, `${what} rejected by LINE (${status})${says}`, details);
}

// Duck-typed: the abort reason is a DOMException, which is not always `instanceof Error`.
const isAbort = (e: unknown): boolean => {
  if (typeof e !== 'object' || e === null) return false;
  const { name, cause } = e as { name?: unknown; cause?: unknown };
  return name === 'TimeoutError' || name === 'AbortError' || isAbort(cause);
};

/** Anything a LINE call threw, as a {@link LineException}; keeps ours as they are. */
export function toLineException(e: unknown, what = 'LINE request'): LineException {
  if (e instanceof LineException) return e;
  if (e instanceof HTTPFetchError) return lineHttpError(e.status, e.headers, e.body, what);
  if (isAbort(e)) return new LineException(LineErrorCode.Timeout, `${what}: LINE did not answer in time`);
  const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return new LineException(LineErrorCode.NetworkError, `${what}: could not reach LINE (${reason})`);
}
