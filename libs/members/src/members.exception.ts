import { HttpStatus } from '@nestjs/common';
import { AppException, ErrorDetail } from '@app/common';

export enum MembersErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  MemberNotFound = 'MEMBER_NOT_FOUND',
  ProductNotFound = 'PRODUCT_NOT_FOUND',
  ImportNotFound = 'IMPORT_NOT_FOUND',
  AttributeNotFound = 'ATTRIBUTE_DEFINITION_NOT_FOUND',
  AttributeTypeChange = 'ATTRIBUTE_TYPE_CHANGE',
  TooManyRecords = 'TOO_MANY_RECORDS',
  UnsupportedFormat = 'UNSUPPORTED_FORMAT',
  AtomicBatchRejected = 'ATOMIC_BATCH_REJECTED',
}

export class MembersException extends AppException<MembersErrorCode> {
  static invalid(details: ErrorDetail[], message = 'The request is invalid'): MembersException {
    return new MembersException(MembersErrorCode.ValidationFailed, HttpStatus.BAD_REQUEST, message, details);
  }

  static atomicRejected(details: ErrorDetail[]): MembersException {
    return new MembersException(
      MembersErrorCode.AtomicBatchRejected,
      HttpStatus.BAD_REQUEST,
      `atomic=true and ${details.length} problem(s) found: nothing was stored`,
      details,
    );
  }

  static notFound(code: MembersErrorCode, message: string): MembersException {
    return new MembersException(code, HttpStatus.NOT_FOUND, message);
  }

  static tooMany(max: number, got: number): MembersException {
    return new MembersException(
      MembersErrorCode.TooManyRecords,
      HttpStatus.PAYLOAD_TOO_LARGE,
      `At most ${max} records per request (got ${got}); use POST /imports for files`,
    );
  }

  static unsupported(message: string): MembersException {
    return new MembersException(MembersErrorCode.UnsupportedFormat, HttpStatus.UNSUPPORTED_MEDIA_TYPE, message);
  }
}
