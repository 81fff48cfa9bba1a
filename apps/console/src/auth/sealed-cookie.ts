/*
 * The console keeps no database: who is signed in, and their access token, live in a cookie the browser
 * cannot read or change (AES-256-GCM, key derived from CONSOLE_SESSION_SECRET; HttpOnly, SameSite=Lax,
 * Secure over https). A value carries its own expiry, so an old cookie replayed after it is useless.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'crypto';

export class SealedCookies {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`console-cookie\n${secret}`).digest();
  }

  seal(value: unknown, ttlSeconds: number, now = Date.now()): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = JSON.stringify({ v: value, exp: now + ttlSeconds * 1000 });
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  /** The value, or undefined when the cookie is absent, forged, changed, or past its expiry. */
  open<T>(sealed: string | undefined, now = Date.now()): T | undefined {
    if (!sealed) return undefined;
    const parts = sealed.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const [iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url'));
      if (iv.length !== 12 || tag.length !== 16) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      const { v, exp } = JSON.parse(plain) as { v: T; exp: number };
      return typeof exp === 'number' && exp > now ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of String(header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
