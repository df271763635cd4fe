import { signHs256, verifyHs256 } from './jwt';

describe('HS256 ID tokens', () => {
  it('verifies with the secret it was signed with and nothing else', () => {
    const token = signHs256({ sub: 'U1', aud: '123' }, 'secret');
    expect(verifyHs256(token, 'secret')).toEqual({ sub: 'U1', aud: '123' });
    expect(verifyHs256(token, 'other')).toBeNull();
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'U2', aud: '123' })).toString('base64url')}.${s}`;
    expect(verifyHs256(forged, 'secret')).toBeNull();
  });
});
