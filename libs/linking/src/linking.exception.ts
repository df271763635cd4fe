import { HttpStatus } from '@nestjs/common';
import { AppException } from '@app/common';

export enum LinkingErrorCode {
  ChannelNotFound = 'LINKING_CHANNEL_NOT_FOUND',
  ChannelRequired = 'LINKING_CHANNEL_REQUIRED',
  InvalidSignature = 'LINKING_INVALID_SIGNATURE',
  MemberNotFound = 'LINKING_MEMBER_NOT_FOUND',
  LinkNotFound = 'LINKING_LINK_NOT_FOUND',
  LineUserLinkedElsewhere = 'LINKING_LINE_USER_LINKED_TO_OTHER_MEMBER',
  MemberLinkedElsewhere = 'LINKING_MEMBER_LINKED_TO_OTHER_LINE_USER',
  LinkTokenUnknown = 'LINKING_LINK_TOKEN_UNKNOWN',
  LinkTokenExpired = 'LINKING_LINK_TOKEN_EXPIRED',
  LineLoginNotConfigured = 'LINKING_LINE_LOGIN_NOT_CONFIGURED',
  InvalidIdToken = 'LINKING_INVALID_ID_TOKEN',
  KeywordRuleNotFound = 'LINKING_KEYWORD_RULE_NOT_FOUND',
  InvalidTemplate = 'LINKING_INVALID_TEMPLATE',
  LoginPageDisabled = 'LINKING_LOGIN_PAGE_DISABLED',
}

export class LinkingException extends AppException<LinkingErrorCode> {
  static notFound(code: LinkingErrorCode, message: string): LinkingException {
    return new LinkingException(code, HttpStatus.NOT_FOUND, message);
  }

  static conflict(code: LinkingErrorCode, message: string): LinkingException {
    return new LinkingException(code, HttpStatus.CONFLICT, message);
  }

  static badRequest(code: LinkingErrorCode, message: string, field: string): LinkingException {
    return new LinkingException(code, HttpStatus.BAD_REQUEST, message, [{ field, reason: message }]);
  }

  static lineUserLinkedElsewhere(): LinkingException {
    return LinkingException.conflict(
      LinkingErrorCode.LineUserLinkedElsewhere,
      'This LINE account is already linked to another member of this channel; it must be unlinked first',
    );
  }

  static memberLinkedElsewhere(): LinkingException {
    return LinkingException.conflict(
      LinkingErrorCode.MemberLinkedElsewhere,
      'This member is already linked to another LINE account on this channel; unlink it first (DELETE /members/{externalId}/line-link)',
    );
  }
}
