/*
 * The acceptance link's secret (E-01): 32 random bytes, base64url, bound to one attestation. Only its
 * SHA-256 is looked up; the secret is never logged.
 */
import { createHash, randomBytes } from 'crypto';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newAcceptanceToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The lookup key of a token; undefined for anything that cannot be one of ours (answered as unknown). */
export function acceptanceTokenHash(token: string): string | undefined {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return undefined;
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `${PUBLIC_BASE_URL}/acceptance/${token}`, without a doubled slash. */
export function acceptanceUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/acceptance/${token}`;
}
