import { randomBytes, randomUUID } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** webhookEventId is a ULID on LINE: 10 time characters then 16 random ones. */
export function ulid(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[bytes[i] % 32];
  return time + rand;
}

export const USER_ID = /^U[0-9a-f]{32}$/;
/** Push also reaches group (C…) and room (R…) chats. */
export const CHAT_ID = /^[UCR][0-9a-f]{32}$/;

export const newUserId = (): string => `U${randomBytes(16).toString('hex')}`;
export const newRequestId = (): string => randomUUID();
export const newToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');
export const newRichMenuId = (): string => `richmenu-${randomBytes(16).toString('hex')}`;

/** Message ids are numeric strings on LINE; a counter is unique per emulator run and costs nothing. */
export class MessageIds {
  private n = 0;
  private readonly base = Date.now() * 1000;

  next(): string {
    this.n += 1;
    return String(this.base + this.n);
  }

  /** Opaque, unique; LINE's quote tokens are long random strings, the engine only echoes them. */
  quoteToken(id: string): string {
    return `q${id}`;
  }
}
