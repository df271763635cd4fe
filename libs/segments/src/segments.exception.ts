import { HttpStatus } from '@nestjs/common';
import { AppException, ErrorDetail } from '@app/common';

export enum SegmentsErrorCode {
  InvalidRules = 'SEGMENT_RULES_INVALID',
  SegmentNotFound = 'SEGMENT_NOT_FOUND',
  SnapshotNotFound = 'SEGMENT_SNAPSHOT_NOT_FOUND',
  SegmentInUse = 'SEGMENT_IN_USE',
  SnapshotInUse = 'SEGMENT_SNAPSHOT_IN_USE',
  QueryTimeout = 'SEGMENT_QUERY_TIMEOUT',
}

export class SegmentsException extends AppException<SegmentsErrorCode> {
  static invalidRules(details: ErrorDetail[]): SegmentsException {
    return new SegmentsException(
      SegmentsErrorCode.InvalidRules,
      HttpStatus.BAD_REQUEST,
      `The rule tree is invalid (${details.length} problem${details.length === 1 ? '' : 's'})`,
      details,
    );
  }

  static notFound(id: string): SegmentsException {
    return new SegmentsException(SegmentsErrorCode.SegmentNotFound, HttpStatus.NOT_FOUND, `Segment ${id} not found`);
  }

  static snapshotNotFound(id: string): SegmentsException {
    return new SegmentsException(SegmentsErrorCode.SnapshotNotFound, HttpStatus.NOT_FOUND, `Snapshot ${id} not found`);
  }

  static inUse(id: string, by: string[]): SegmentsException {
    return new SegmentsException(
      SegmentsErrorCode.SegmentInUse,
      HttpStatus.CONFLICT,
      `Segment ${id} is used by other segments: ${by.join(', ')}`,
    );
  }

  static snapshotInUse(id: string, runs: string[]): SegmentsException {
    return new SegmentsException(
      SegmentsErrorCode.SnapshotInUse,
      HttpStatus.CONFLICT,
      `Snapshot ${id} is the audience of campaign runs still to be sent: ${runs.join(', ')}`,
    );
  }

  static timeout(ms: number): SegmentsException {
    return new SegmentsException(
      SegmentsErrorCode.QueryTimeout,
      HttpStatus.UNPROCESSABLE_ENTITY,
      `The segment query took longer than ${ms} ms and was stopped; narrow the rules`,
    );
  }
}
