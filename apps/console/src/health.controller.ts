import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { OidcSignIn } from './auth/oidc';

/** Live when the process answers; ready when the sign-in issuer answers its discovery. */
@Controller('health')
export class HealthController {
  constructor(@Inject(OidcSignIn) private readonly oidc: OidcSignIn) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() response: Response): Promise<void> {
    const issuer = (await this.oidc.ready()) ? 'ok' : 'unreachable';
    response
      .status(issuer === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: issuer === 'ok' ? 'ok' : 'unavailable', checks: { issuer } });
  }
}
