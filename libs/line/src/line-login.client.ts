import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { lineHttpError, toLineException } from './line-error.mapper';
import { LineErrorCode, LineException } from './line.exception';
import { withLineTimeout } from './line-timeout';

/** The claims of a verified LINE Login ID token that the engine uses. */
export interface LineIdTokenClaims {
  /** The LINE user ID (the same as the bot sees when both channels share a provider). */
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  nonce?: string;
  name?: string;
}

export interface LineLoginTokens {
  accessToken: string;
  idToken: string | null;
  expiresIn: number;
}

/**
 * LINE Login (the oauth2 endpoints), which the SDK does not cover. ID tokens are verified by LINE
 * itself (POST /oauth2/v2.1/verify), so the engine holds no key material and a forged or
 * foreign-audience token is refused by LINE.
 */
@Injectable()
export class LineLoginClient {
  constructor(private readonly config: AppConfig) {}

  private url(path: string): string {
    return new URL(path, this.config.line.endpoints.oauthBaseUrl).toString();
  }

  private async request<T>(what: string, path: string, init: RequestInit): Promise<T> {
    try {
      return await withLineTimeout(this.config.line.requestTimeoutMs, async () => {
        const response = await fetch(this.url(path), init);
        const text = await response.text();
        if (!response.ok) throw lineHttpError(response.status, response.headers, loginErrorBody(text), what);
        return JSON.parse(text) as T;
      });
    } catch (e) {
      throw toLineException(e, what);
    }
  }

  /** Verifies an ID token issued to `clientId` (the LINE Login channel id); throws if LINE says no. */
  async verifyIdToken(idToken: string, clientId: string, nonce?: string): Promise<LineIdTokenClaims> {
    const form = new URLSearchParams({ id_token: idToken, client_id: clientId });
    if (nonce !== undefined) form.set('nonce', nonce);
    let claims: Partial<LineIdTokenClaims>;
    try {
      claims = await this.request<Partial<LineIdTokenClaims>>('verify ID token', '/oauth2/v2.1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } catch (e) {
      const line = e as LineException;
      if (line.code === LineErrorCode.ClientError || line.code === LineErrorCode.Unauthorized) {
        throw new LineException(
          LineErrorCode.Rejected,
          `LINE refused the ID token: ${line.line.lineMessage ?? line.message}`,
          line.line,
        );
      }
      throw e;
    }
    if (typeof claims.sub !== 'string' || claims.aud !== clientId) {
      throw new LineException(LineErrorCode.Rejected, 'The ID token was not issued to this LINE Login channel');
    }
    return claims as LineIdTokenClaims;
  }

  /** Exchanges an authorization code (web login) for tokens. */
  async exchangeCode(input: {
    code: string;
    redirectUri: string;
    clientId: string;
    clientSecret: string;
    codeVerifier?: string;
  }): Promise<LineLoginTokens> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      client_id: input.clientId,
      client_secret: input.clientSecret,
    });
    if (input.codeVerifier !== undefined) form.set('code_verifier', input.codeVerifier);
    try {
      const body = await this.request<{ access_token: string; id_token?: string; expires_in: number }>(
        'exchange authorization code',
        '/oauth2/v2.1/token',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
      );
      return { accessToken: body.access_token, idToken: body.id_token ?? null, expiresIn: body.expires_in };
    } catch (e) {
      const line = e as LineException;
      if (line.code === LineErrorCode.ClientError || line.code === LineErrorCode.Unauthorized) {
        throw new LineException(
          LineErrorCode.Rejected,
          `LINE refused the authorization code: ${line.line.lineMessage ?? line.message}`,
          line.line,
        );
      }
      throw e;
    }
  }

  /** Whether the logged-in user has the channel's official account as a friend. */
  async friendshipStatus(accessToken: string): Promise<boolean> {
    const body = await this.request<{ friendFlag?: boolean }>('get friendship status', '/friendship/v1/status', {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return body.friendFlag === true;
  }
}

/** LINE Login errors are `{ error, error_description }`; map them to the Messaging API shape. */
function loginErrorBody(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: string; error_description?: string; message?: string };
    if (parsed.message !== undefined) return text;
    return JSON.stringify({ message: [parsed.error, parsed.error_description].filter(Boolean).join(': ') });
  } catch {
    return text;
  }
}
