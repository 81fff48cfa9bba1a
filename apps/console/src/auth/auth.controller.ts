import { Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PageKit } from '../pages/page-kit';
import { OidcSignIn } from './oidc';
import { isAuditor, isPartnerUser, safeReturnPath } from './session';

/** Sign-in (authorization code + PKCE), its callback, sign-out, and the start page that points the way. */
@Controller()
export class AuthController {
  constructor(
    private readonly kit: PageKit,
    @Inject(OidcSignIn) private readonly oidc: OidcSignIn,
  ) {}

  @Get()
  home(@Req() request: Request, @Res() response: Response): void {
    const session = this.kit.sessions.read(request);
    if (session && isPartnerUser(session.user)) return response.redirect(303, '/partner/customers');
    if (session && isAuditor(session.user)) return response.redirect(303, '/audit/log');
    this.kit.send(response, session, 200, 'home', { title: 'Welcome' });
  }

  @Get('auth/login')
  async login(@Query('returnTo') returnTo: unknown, @Res() response: Response): Promise<void> {
    try {
      const { url, flight } = await this.oidc.begin(safeReturnPath(returnTo));
      this.kit.sessions.beginSignIn(response, flight);
      response.redirect(303, url.href);
    } catch {
      this.kit.send(response, undefined, 503, 'problem', {
        title: 'Sign-in is not available',
        message: 'The sign-in service does not answer right now. Try again in a moment.',
      });
    }
  }

  @Get('auth/callback')
  async callback(@Req() request: Request, @Res() response: Response): Promise<void> {
    const flight = this.kit.sessions.finishSignIn(request, response);
    const callbackUrl = new URL(request.originalUrl, this.kit.config.publicUrl);
    const refused = callbackUrl.searchParams.get('error');
    if (!flight || refused) {
      this.kit.send(response, undefined, refused ? 401 : 400, 'problem', {
        title: 'You are not signed in',
        message: refused
          ? `The sign-in service answered: ${callbackUrl.searchParams.get('error_description') ?? refused}.`
          : 'This sign-in is too old or was started elsewhere. Start again from the console.',
      });
      return;
    }
    try {
      const signedIn = await this.oidc.finish(callbackUrl, flight);
      this.kit.sessions.start(response, signedIn.user, signedIn.accessToken, signedIn.expiresIn);
      response.redirect(303, flight.returnTo);
    } catch {
      this.kit.send(response, undefined, 401, 'problem', {
        title: 'You are not signed in',
        message: 'The answer of the sign-in service could not be checked. Start again from the console.',
      });
    }
  }

  @Post('auth/logout')
  async logout(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = this.kit.sessions.read(request);
    if (session && (await this.kit.form(request, response, session)) === undefined) return;
    this.kit.sessions.end(response);
    const endSession = await this.oidc.signOutUrl();
    response.redirect(303, endSession?.href ?? '/');
  }
}
