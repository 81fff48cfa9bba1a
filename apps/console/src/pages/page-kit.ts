/*
 * What every page controller uses: who is signed in (or the way to sign in), the HTML answer with the
 * console's headers, the forms' parsing and CSRF check, a one-time notice after a redirect, and the services'
 * client for the user.
 */
import { Inject, Injectable } from '@nestjs/common';
import { urlencoded, type Request, type Response } from 'express';
import { CONSOLE_CONFIG } from '../console.tokens';
import type { ConsoleConfig } from '../config';
import { cookieValue, SealedCookies } from '../auth/sealed-cookie';
import { csrfMatches, isAuditor, isPartnerUser, Sessions, type Session } from '../auth/session';
import { ServiceClient, ServiceError } from '../services/service-client';
import { Renderer } from './render';

export type Audience = 'partner' | 'auditor';

const NOTICE_COOKIE = 'console_notice';
const parseForm = urlencoded({ extended: false, limit: '32kb', parameterLimit: 40 });

/** A form value as a trimmed string: absent, repeated or nested values count as empty. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

@Injectable()
export class PageKit {
  readonly renderer = new Renderer();
  readonly sessions: Sessions;
  private readonly notices: SealedCookies;

  constructor(@Inject(CONSOLE_CONFIG) readonly config: ConsoleConfig) {
    this.sessions = new Sessions(config);
    this.notices = new SealedCookies(`${config.sessionSecret}\nnotice`);
  }

  /**
   * The session of a user allowed on a page for `audience`; otherwise the answer is sent (to sign-in, or a
   * 403 page saying whose page it is) and undefined returned.
   */
  signedIn(request: Request, response: Response, audience: Audience): Session | undefined {
    const session = this.sessions.read(request);
    if (!session) {
      response.redirect(303, `/auth/login?returnTo=${encodeURIComponent(request.originalUrl)}`);
      return undefined;
    }
    const allowed = audience === 'partner' ? isPartnerUser(session.user) : isAuditor(session.user);
    if (!allowed) {
      this.send(response, session, 403, 'problem', {
        title: 'Not a page for your role',
        message:
          audience === 'partner'
            ? 'This page is for the users of a partner (admins and agents).'
            : "This page is for the operator's auditors.",
      });
      return undefined;
    }
    return session;
  }

  client(session: Session): ServiceClient {
    return new ServiceClient(this.config.services, session.accessToken);
  }

  /** The page as HTML, never cached (it holds one user's data), with the user's navigation. */
  send(
    response: Response,
    session: Session | undefined,
    status: number,
    page: string,
    model: { title: string } & Record<string, unknown>,
  ): void {
    const html = this.renderer.render(page, {
      ...model,
      user: session?.user,
      csrf: session?.csrf,
      partner: session ? isPartnerUser(session.user) : false,
      auditor: session ? isAuditor(session.user) : false,
    });
    response.setHeader('Cache-Control', 'no-store');
    response.status(status).type('text/html; charset=utf-8').send(html);
  }

  /** A page answering a service's refusal: its status (a 5xx stays 502) and its words. */
  sendError(
    response: Response,
    session: Session,
    error: unknown,
    page: string,
    model: { title: string } & Record<string, unknown>,
  ): void {
    if (!(error instanceof ServiceError)) throw error;
    const status = error.status >= 500 ? 502 : error.status;
    this.send(response, session, status, page, {
      ...model,
      error: {
        description: error.description,
        errorName: error.body.errorName,
        code: error.body.code,
      },
    });
  }

  /** The posted form when its CSRF field is the session's; otherwise a 403 page is sent and undefined returned. */
  async form(request: Request, response: Response, session: Session): Promise<unknown> {
    const body = await new Promise<unknown>((resolve, reject) =>
      parseForm(request, response, (error?: unknown) => (error ? reject(error) : resolve(request.body))),
    ).catch(() => undefined);
    if (!body || !csrfMatches(session, field(body, 'csrf'))) {
      this.send(response, session, 403, 'problem', {
        title: 'Your form could not be checked',
        message:
          'The form was not one this console gave you, or it is too old. Open the page again and resend it.',
      });
      return undefined;
    }
    return body;
  }

  /** Redirects after a form (post/redirect/get) with a notice shown once on the next page. */
  redirectWithNotice(response: Response, location: string, notice: string): void {
    response.cookie(NOTICE_COOKIE, this.notices.seal(notice, 60), {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.publicUrl.startsWith('https:'),
      path: '/',
      maxAge: 60_000,
    });
    response.redirect(303, location);
  }

  takeNotice(request: Request, response: Response): string | undefined {
    const notice = this.notices.open<string>(cookieValue(request.headers.cookie, NOTICE_COOKIE));
    if (notice !== undefined) response.clearCookie(NOTICE_COOKIE, { path: '/' });
    return notice;
  }
}
