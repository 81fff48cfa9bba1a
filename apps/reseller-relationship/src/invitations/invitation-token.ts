import { createHmac, timingSafeEqual } from 'node:crypto';
import { isGuid } from '@app/contracts';

/**
 * An invitation token (D-02): `<payload>.<signature>`, both base64url, where the payload is the JSON
 * `{ v, iid, pid, exp }` (invitation id, inviting partner id, expiry in epoch seconds) and the
 * signature its HMAC-SHA256. It is unguessable (a random invitation id under a 256-bit MAC), bound to
 * the partner, and expiring; single use is the database's part (the invitation row records who used it).
 */
export interface InvitationClaims {
  invitationId: string;
  partnerId: string;
  expiresAt: Date;
}

export type TokenVerification =
  | { ok: true; claims: InvitationClaims }
  | { ok: false; reason: 'malformed' | 'badSignature' | 'expired'; claims?: InvitationClaims };

const VERSION = 1;
/** Far above a real token (about 190 characters); a longer one is refused unread. */
export const MAX_TOKEN_LENGTH = 512;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload, 'utf8').digest();
}

export function signInvitationToken(key: Buffer, claims: InvitationClaims): string {
  const payload = Buffer.from(
    JSON.stringify({
      v: VERSION,
      iid: claims.invitationId,
      pid: claims.partnerId,
      exp: Math.floor(claims.expiresAt.getTime() / 1000),
    }),
    'utf8',
  ).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The signature is checked before anything in the payload is believed; expiry is judged against `now`. */
export function verifyInvitationToken(key: Buffer, token: string, now: Date): TokenVerification {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
  const [payload, signature] = token.split('.');
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'badSignature' };
  }
  const claims = parseClaims(payload);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (claims.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

function parseClaims(payload: string): InvitationClaims | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { v, iid, pid, exp } = (raw ?? {}) as Record<string, unknown>;
  if (v !== VERSION || !isGuid(iid) || !isGuid(pid) || !Number.isSafeInteger(exp)) return undefined;
  return { invitationId: iid, partnerId: pid, expiresAt: new Date((exp as number) * 1000) };
}
