import { HttpStatus } from '@nestjs/common';
import { AppException } from '@app/common';

export enum WorkspacesErrorCode {
  MissingApiKey = 'API_KEY_MISSING',
  InvalidApiKey = 'API_KEY_INVALID',
  InsufficientScope = 'API_KEY_SCOPE_INSUFFICIENT',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  WorkspaceNotFound = 'WORKSPACE_NOT_FOUND',
  ChannelNotFound = 'CHANNEL_NOT_FOUND',
  ChannelExists = 'CHANNEL_ALREADY_EXISTS',
}

export class WorkspacesException extends AppException<WorkspacesErrorCode> {
  static missingKey(): WorkspacesException {
    return new WorkspacesException(
      WorkspacesErrorCode.MissingApiKey,
      HttpStatus.UNAUTHORIZED,
      'Missing API key: send "Authorization: Bearer <key>"',
    );
  }

  static invalidKey(): WorkspacesException {
    return new WorkspacesException(
      WorkspacesErrorCode.InvalidApiKey,
      HttpStatus.UNAUTHORIZED,
      'Invalid or revoked API key',
    );
  }

  static insufficientScope(required: string, actual: string): WorkspacesException {
    return new WorkspacesException(
      WorkspacesErrorCode.InsufficientScope,
      HttpStatus.FORBIDDEN,
      `This route needs an API key with the "${required}" scope; this key has "${actual}"`,
    );
  }

  static notFound(code: WorkspacesErrorCode, message: string): WorkspacesException {
    return new WorkspacesException(code, HttpStatus.NOT_FOUND, message);
  }
}
