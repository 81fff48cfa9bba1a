import { randomBytes, timingSafeEqual } from 'crypto';
import type { Request, Response } from 'express';
import { isHttps, type ConsoleConfig } from '../config';
import { cookieValue, SealedCookies } from './sealed-cookie';

export const SESSION_COOKIE = 'console_session';
/** The sign-in in flight: PKCE verifier, state and nonce, for ten minutes. */
export const SIGN_IN_COOKIE = 'console_sign_in';
const SIGN_IN_TTL_SECONDS = 600;

export interface ConsoleUser {
  name: string;
  /** The signed-in user's tenant: a partner's, or the operator's for an auditor. */
  tenantId: string;
  userId: string;
  roles: string[];
}

export interface Session {
  user: ConsoleUser;
  /** The access token the services verify (the console never reads what it grants). */
  accessToken: string;
  /** The CSRF token every form of this session posts back. */
  csrf: string;
}

export interface SignInInFlight {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** Where to go after signing in: a path of the console. */
  returnTo: string;
}

export const isAuditor = (user: ConsoleUser) => user.roles.includes('Auditor');
export const isPartnerUser = (user: ConsoleUser) =>
  user.roles.some((role) => ['AdminAgent', 'SalesAgent', 'HelpdeskAgent'].includes(role));

/** Only a path of this console, so a crafted `returnTo` cannot send anyone elsewhere after sign-in. */
export function safeReturnPath(path: unknown): string {
  return typeof path === 'string' && /^\/(?![/\\])[^\s]*$/.test(path) ? path : '/';
}

export class Sessions {
  private readonly cookies: SealedCookies;
  private readonly secure: boolean;

  constructor(config: ConsoleConfig) {
    this.cookies = new SealedCookies(config.sessionSecret);
    this.secure = isHttps(config);
  }

  read(request: Request): Session | undefined {
    return this.cookies.open<Session>(cookieValue(request.headers.cookie, SESSION_COOKIE));
  }

  start(response: Response, user: ConsoleUser, accessToken: string, expiresInSeconds: number): void {
    const session: Session = { user, accessToken, csrf: randomBytes(18).toString('base64url') };
    const ttl = Math.max(60, Math.min(expiresInSeconds, 8 * 3600));
    this.set(response, SESSION_COOKIE, this.cookies.seal(session, ttl), ttl);
  }

  end(response: Response): void {
    this.set(response, SESSION_COOKIE, '', 0);
  }

  beginSignIn(response: Response, flight: SignInInFlight): void {
    this.set(response, SIGN_IN_COOKIE, this.cookies.seal(flight, SIGN_IN_TTL_SECONDS), SIGN_IN_TTL_SECONDS);
  }

  /** The sign-in in flight, read once: its cookie is cleared. */
  finishSignIn(request: Request, response: Response): SignInInFlight | undefined {
    const flight = this.cookies.open<SignInInFlight>(cookieValue(request.headers.cookie, SIGN_IN_COOKIE));
    this.set(response, SIGN_IN_COOKIE, '', 0);
    return flight;
  }

  private set(response: Response, name: string, value: string, maxAgeSeconds: number): void {
    response.cookie(name, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      maxAge: maxAgeSeconds * 1000,
    });
  }
}

/** The form's CSRF field is the session's token (the session cookie is sealed, so it cannot be planted). */
export function csrfMatches(session: Session, field: unknown): boolean {
  if (typeof field !== 'string') return false;
  const given = Buffer.from(field);
  const expected = Buffer.from(session.csrf);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
