import { Controller, Get, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { urlencoded, type Request, type Response } from 'express';
import { Public } from '@app/platform';
import { ATTESTATION_SETTINGS, type AttestationSettings } from '../../config';
import { EnhancedAttestationsService } from '../enhanced-attestations.service';
import { AcceptanceCsrf, CSRF_COOKIE, cookieValue } from './csrf';
import { PAGE_CSS } from './page.css';
import {
  renderAccepted,
  renderAcceptancePage,
  renderForbidden,
  renderGone,
  renderUnknown,
  shownTextHash,
  TypedValues,
} from './render';

export const ACCEPTANCE_CSRF = Symbol('ACCEPTANCE_CSRF');

/** What AttestationModule provides for the page: the CSRF key (ACCEPTANCE_PAGE_CSRF_KEY or per process). */
export const ACCEPTANCE_PAGE_PROVIDERS = [
  { provide: ACCEPTANCE_CSRF, useFactory: () => AcceptanceCsrf.fromEnv(process.env) },
];

/** Nothing on the page loads from elsewhere, runs script, frames it or posts it anywhere else. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Every answer of the page: never cached, never framed, the link never sent on as a Referer. */
function protect(response: Response): void {
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Pragma', 'no-cache');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Content-Security-Policy', PAGE_CSP);
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('X-Content-Type-Options', 'nosniff');
}

function sendHtml(response: Response, status: number, html: string): void {
  protect(response);
  response.status(status).type('text/html; charset=utf-8').send(html);
}

/** The page's form is small: a few names, an email, a checkbox and the CSRF field. */
const parseForm = urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

/** Parses the urlencoded form here, as the service's own parser takes JSON only; a bad body is a 400. */
function formOf(request: Request, response: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parseForm(request, response, (error?: unknown) => (error ? reject(error) : resolve(request.body)));
  });
}

/** A form value as a string: absent, repeated or nested values count as empty. */
function textOf(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * The acceptance page of an enhanced attestation (E-02, E-03, E-05, E-08): `GET` and `POST` of
 * `${PUBLIC_BASE_URL}/acceptance/{token}`, no login, HTML without script. The token is the link's secret:
 * the access log names the route pattern only and the logger masks `/acceptance/<token>` anywhere.
 * Nothing here sends anything to anyone (E-06, A-10).
 */
@ApiExcludeController()
@Public()
@Controller('acceptance')
export class AcceptancePageController {
  constructor(
    private readonly attestations: EnhancedAttestationsService,
    @Inject(ACCEPTANCE_CSRF) private readonly csrf: AcceptanceCsrf,
    @Inject(ATTESTATION_SETTINGS) private readonly settings: AttestationSettings,
  ) {}

  @Get('assets/page.css')
  stylesheet(@Res() response: Response): void {
    response.setHeader('Cache-Control', 'public, max-age=3600');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.status(HttpStatus.OK).type('text/css; charset=utf-8').send(PAGE_CSS);
  }

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const view = await this.attestations.viewByToken(token);
    if (!view) return sendHtml(response, HttpStatus.NOT_FOUND, renderUnknown());
    switch (view.status) {
      case 'Pending':
        return this.sendForm(request, response, token, view, HttpStatus.OK);
      case 'Accepted':
      case 'Finalized':
        return sendHtml(response, HttpStatus.OK, renderAccepted(view, true));
      default:
        return sendHtml(response, HttpStatus.GONE, renderGone(view, view.status));
    }
  }

  @Post(':token')
  async accept(
    @Param('token') token: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    let body: unknown;
    try {
      body = await formOf(request, response);
    } catch (error) {
      const status = (error as { status?: number }).status === 413 ? 413 : HttpStatus.BAD_REQUEST;
      return sendHtml(response, status, renderForbidden(token));
    }
    const nonce = cookieValue(request.headers.cookie, CSRF_COOKIE);
    if (!this.csrf.verify(token, textOf(body, 'csrf'), nonce)) {
      const view = await this.attestations.viewByToken(token);
      if (!view) return sendHtml(response, HttpStatus.NOT_FOUND, renderUnknown());
      return sendHtml(response, HttpStatus.FORBIDDEN, renderForbidden(token, view.language));
    }
    const view = await this.attestations.viewByToken(token);
    if (!view) return sendHtml(response, HttpStatus.NOT_FOUND, renderUnknown());
    const typed = {
      signatoryFirstName: textOf(body, 'signatoryFirstName'),
      signatoryLastName: textOf(body, 'signatoryLastName'),
      signatoryEmail: textOf(body, 'signatoryEmail'),
      accept: textOf(body, 'accept') === 'yes',
    };
    const outcome = await this.attestations.accept(token, typed, {
      clientAddress: request.ip ?? request.socket.remoteAddress ?? '',
      userAgent: String(request.headers['user-agent'] ?? ''),
      shownTextHash: shownTextHash(view),
    });
    switch (outcome.outcome) {
      case 'Accepted':
        return sendHtml(response, HttpStatus.OK, renderAccepted(outcome.view, false));
      case 'AlreadyAccepted':
        return sendHtml(response, HttpStatus.OK, renderAccepted(outcome.view, true));
      case 'Expired':
      case 'Cancelled':
        return sendHtml(response, HttpStatus.GONE, renderGone(outcome.view, outcome.outcome));
      case 'Unknown':
        return sendHtml(response, HttpStatus.NOT_FOUND, renderUnknown());
      case 'Invalid':
        return this.sendForm(
          request,
          response,
          token,
          view,
          HttpStatus.UNPROCESSABLE_ENTITY,
          typed,
          outcome.problems,
        );
    }
  }

  private sendForm(
    request: Request,
    response: Response,
    token: string,
    view: Parameters<typeof renderAcceptancePage>[0],
    status: number,
    values?: TypedValues,
    problems?: Parameters<typeof renderAcceptancePage>[1]['problems'],
  ): void {
    const { nonce, field } = this.csrf.issue(token, cookieValue(request.headers.cookie, CSRF_COOKIE));
    response.cookie(CSRF_COOKIE, nonce, {
      httpOnly: true,
      sameSite: 'strict',
      secure: response.req.secure || this.settings.publicBaseUrl.startsWith('https:'),
      path: '/acceptance',
    });
    sendHtml(response, status, renderAcceptancePage(view, { action: token, csrf: field, values, problems }));
  }
}
