import { Injectable } from '@nestjs/common';
import { sha256 } from '../core/secrets';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { AccountLinkingService } from './account-linking.service';
import { LinkSecretsRepository } from './link-secrets.repository';

/**
 * What the reference login page does server-side after "authenticating" the member: exactly
 * the call a company's backend makes (POST /linking/nonces), here in-process.
 */
@Injectable()
export class LoginPageService {
  constructor(
    private readonly secrets: LinkSecretsRepository,
    private readonly linking: AccountLinkingService,
  ) {}

  async login(linkToken: string, externalId: string): Promise<string> {
    const token = await this.secrets.findTokenInAnyWorkspace(sha256(linkToken));
    if (token === null) {
      throw LinkingException.badRequest(
        LinkingErrorCode.LinkTokenUnknown,
        'このリンクは無効です。LINEからもう一度連携を始めてください。',
        'linkToken',
      );
    }
    const { dialogUrl } = await this.linking.createNonce(token.workspaceId, { externalId, linkToken });
    return dialogUrl;
  }
}
