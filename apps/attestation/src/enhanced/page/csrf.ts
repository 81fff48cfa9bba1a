/*
 * The acceptance form's CSRF protection: a double submit of a random nonce (a SameSite=Strict cookie
 * and the form's hidden field) whose field is HMAC-signed for this link, so a token minted for one
 * link, or a nonce without its signature, does not pass. The key comes from ACCEPTANCE_PAGE_CSRF_KEY
 * (32+ characters) or is generated per process (a form opened before a restart then answers 403, and
 * the page offers a fresh one).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';

export const CSRF_COOKIE = 'acceptance_csrf';
const NONCE = /^[A-Za-z0-9_-]{22}$/;

export class AcceptanceCsrf {
  private readonly key: Buffer;

  constructor(key?: string) {
    this.key =
      key !== undefined && key.length >= 32 ? createHash('sha256').update(key).digest() : randomBytes(32);
  }

  static fromEnv(env: Record<string, string | undefined> = process.env): AcceptanceCsrf {
    return new AcceptanceCsrf(env.ACCEPTANCE_PAGE_CSRF_KEY);
  }

  /**
   * The nonce (the cookie's value) and the form field bound to `linkToken`. The browser's current nonce is
   * kept when it has one, so a form opened in another tab earlier still posts; otherwise a fresh one.
   */
  issue(linkToken: string, currentNonce?: string): { nonce: string; field: string } {
    const nonce =
      currentNonce && NONCE.test(currentNonce) ? currentNonce : randomBytes(16).toString('base64url');
    return { nonce, field: `${nonce}.${this.sign(linkToken, nonce)}` };
  }

  /** The form field is signed for this link and its nonce is the cookie's. */
  verify(linkToken: string, field: unknown, cookieNonce: string | undefined): boolean {
    if (typeof field !== 'string' || typeof cookieNonce !== 'string') return false;
    const [nonce, signature, ...rest] = field.split('.');
    if (rest.length > 0 || !NONCE.test(nonce ?? '') || !signature) return false;
    if (!same(nonce, cookieNonce)) return false;
    return same(signature, this.sign(linkToken, nonce));
  }

  private sign(linkToken: string, nonce: string): string {
    return createHmac('sha256', this.key)
      .update(`acceptance-form\n${linkToken}\n${nonce}`)
      .digest('base64url');
  }
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The value of one cookie in a Cookie header (no cookie-parser needed for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of String(header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
