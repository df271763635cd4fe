import { HttpStatus } from '@nestjs/common';
import { AppException } from '@app/common';

export enum RichMenusErrorCode {
  RichMenuNotFound = 'RICH_MENU_NOT_FOUND',
  ImageRequired = 'RICH_MENU_IMAGE_REQUIRED',
  UnsupportedImage = 'RICH_MENU_UNSUPPORTED_IMAGE',
  InvalidRule = 'RICH_MENU_INVALID_RULE',
}

export class RichMenusException extends AppException<RichMenusErrorCode> {
  static notFound(id: string): RichMenusException {
    return new RichMenusException(
      RichMenusErrorCode.RichMenuNotFound,
      HttpStatus.NOT_FOUND,
      `Rich menu ${id} not found`,
    );
  }

  static badRequest(code: RichMenusErrorCode, message: string, field: string): RichMenusException {
    return new RichMenusException(code, HttpStatus.BAD_REQUEST, message, [{ field, reason: message }]);
  }
}
