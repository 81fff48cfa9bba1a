import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { signInvitationToken, verifyInvitationToken } from './invitation-token';

const key = randomBytes(32);
const now = new Date('2026-11-21T10:00:00.000Z');
const claims = {
  invitationId: randomUUID(),
  partnerId: randomUUID(),
  expiresAt: new Date('2026-11-28T10:00:00.000Z'),
};

const swapPayload = (token: string, edit: (p: Record<string, unknown>) => void): string => {
  const [payload, signature] = token.split('.');
  const json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  edit(json);
  return `${Buffer.from(JSON.stringify(json)).toString('base64url')}.${signature}`;
};

describe('invitation tokens (D-02)', () => {
  it('D-02: a token verifies with its key until it expires, and carries its claims', () => {
    const token = signInvitationToken(key, claims);
    expect(verifyInvitationToken(key, token, now)).toEqual({ ok: true, claims });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('D-02: an expired token is told apart from a forged one', () => {
    const token = signInvitationToken(key, claims);
    expect(verifyInvitationToken(key, token, claims.expiresAt)).toEqual({
      ok: false,
      reason: 'expired',
      claims,
    });
  });

  it('D-02: a token signed with another key, or altered, is forged (the partner binding cannot be changed)', () => {
    const token = signInvitationToken(key, claims);
    expect(verifyInvitationToken(randomBytes(32), token, now)).toEqual({ ok: false, reason: 'badSignature' });
    const otherPartner = swapPayload(token, (p) => (p.pid = randomUUID()));
    expect(verifyInvitationToken(key, otherPartner, now)).toEqual({ ok: false, reason: 'badSignature' });
    const later = swapPayload(token, (p) => (p.exp = (p.exp as number) + 3600));
    expect(verifyInvitationToken(key, later, now)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('D-02: a forged token with a past expiry is forged, not expired: nothing unsigned is believed', () => {
    const expiredElsewhere = signInvitationToken(randomBytes(32), { ...claims, expiresAt: new Date(0) });
    expect(verifyInvitationToken(key, expiredElsewhere, now)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it.each([[''], ['abc'], ['a.b.c'], ['not base64!.x'], ['x'.repeat(600) + '.y']])(
    'D-02: refuses the malformed token %j',
    (token) => {
      expect(verifyInvitationToken(key, token, now)).toMatchObject({ ok: false });
    },
  );

  it('D-02: a correctly signed payload that is not ours is malformed', () => {
    const payload = Buffer.from(
      JSON.stringify({ v: 1, iid: 'nope', pid: claims.partnerId, exp: 1 }),
    ).toString('base64url');
    const token = `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
    expect(verifyInvitationToken(key, token, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('D-02: two invitations of the same partner get unrelated tokens', () => {
    const a = signInvitationToken(key, claims);
    const b = signInvitationToken(key, { ...claims, invitationId: randomUUID() });
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });
});
