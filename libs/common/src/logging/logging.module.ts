import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's `x-request-id` is kept (when sane) so that logs join up across services. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The HTTP framework may have assigned the id already (Fastify does); reuse it. */
function requestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  const id = typeof req.id === 'string' ? req.id : requestIdOf(req);
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * What a request's log line says of it: no headers at all (so no API key or LINE signature to
 * redact), no query object. pino-http's default request object carried every header through a
 * redaction that cloned it: with the line's serialisation and write, ~15 % of the api's CPU at
 * 300 requests/s (V8 profile of bench:triggers).
 */
export const HTTP_LOG_SERIALIZERS = {
  req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.remoteAddress,
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

/** Structured JSON logs (pino), one line per request with its request id. */
@Module({})
export class LoggingModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            pinoHttp: {
              name: service,
              level: config.log.level,
              genReqId: requestId,
              serializers: HTTP_LOG_SERIALIZERS,
              customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
                err !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
              transport: config.log.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            },
          }),
        }),
      ],
    };
  }
}
