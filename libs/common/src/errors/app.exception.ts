import { HttpStatus } from '@nestjs/common';

export interface ErrorDetail {
  /** Path of the offending input, e.g. `records[3].birthDate` or `rules.all[2].value`. */
  field: string;
  reason: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

/** Codes the shared layer itself produces; each lib declares its own enum beside its exception. */
export enum CommonErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  BadRequest = 'BAD_REQUEST',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  TooManyRequests = 'TOO_MANY_REQUESTS',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  Internal = 'INTERNAL',
}

/**
 * Base of every exception the engine throws on purpose. Each lib subclasses it with its own
 * code enum (`MembersException`, `SegmentsException`, …); the global filter turns any of them
 * into the one error body shape.
 */
export class AppException<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    readonly status: HttpStatus,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export class CommonException extends AppException<CommonErrorCode> {
  static validation(details: ErrorDetail[], message = 'The request is invalid'): CommonException {
    return new CommonException(CommonErrorCode.ValidationFailed, HttpStatus.BAD_REQUEST, message, details);
  }

  static notFound(what: string): CommonException {
    return new CommonException(CommonErrorCode.NotFound, HttpStatus.NOT_FOUND, `${what} not found`);
  }
}
