import { DynamicModule, Module } from '@nestjs/common';
import { AuthController } from './auth/auth.controller';
import { OidcSignIn } from './auth/oidc';
import type { ConsoleConfig } from './config';
import { CONSOLE_CONFIG } from './console.tokens';
import { HealthController } from './health.controller';
import { AuditorController } from './pages/auditor.controller';
import { PageKit } from './pages/page-kit';
import { PartnerController } from './pages/partner.controller';

/** The console: pages over the four services' public APIs. No database, no topic. */
@Module({})
export class ConsoleModule {
  static forRoot(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [HealthController, AuthController, PartnerController, AuditorController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: OidcSignIn, useValue: new OidcSignIn(config) },
        PageKit,
      ],
    };
  }
}
