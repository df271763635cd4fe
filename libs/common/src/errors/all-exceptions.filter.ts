import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { AppException, CommonErrorCode, ErrorBody } from './app.exception';

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): unknown;
}

const statusCodes: Partial<Record<number, CommonErrorCode>> = {
  400: CommonErrorCode.BadRequest,
  401: CommonErrorCode.Unauthorized,
  403: CommonErrorCode.Forbidden,
  404: CommonErrorCode.NotFound,
  409: CommonErrorCode.Conflict,
  413: CommonErrorCode.PayloadTooLarge,
  415: CommonErrorCode.UnsupportedMediaType,
  429: CommonErrorCode.TooManyRequests,
  503: CommonErrorCode.ServiceUnavailable,
};

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return exception.message;
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode. */
function isClientFrameworkError(e: unknown): e is { statusCode: number; message: string } {
  if (typeof e !== 'object' || e === null) return false;
  const status = (e as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The single exception filter: every 4xx/5xx leaves in the same shape, and a 500 leaks nothing
 * (the real error goes to the log with the request id only).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    const { status, body } = this.toResponse(exception);
    if (status >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  toResponse(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof AppException) return { status: exception.status, body: exception.toBody() };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = statusCodes[status] ?? (status >= 500 ? CommonErrorCode.Internal : CommonErrorCode.BadRequest);
      const message = status >= 500 ? 'Internal server error' : messageOf(exception);
      return { status, body: { error: { code, message, details: [] } } };
    }
    if (isClientFrameworkError(exception)) {
      const code = statusCodes[exception.statusCode] ?? CommonErrorCode.BadRequest;
      const details = exception.statusCode === 400 ? [{ field: 'body', reason: exception.message }] : [];
      return { status: exception.statusCode, body: { error: { code, message: exception.message, details } } };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { error: { code: CommonErrorCode.Internal, message: 'Internal server error', details: [] } },
    };
  }
}
