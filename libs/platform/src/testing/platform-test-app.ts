import { LoggerService, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { PartnerDirectory } from '../auth/partner-directory';
import { configureServiceApp } from '../bootstrap';
import { loadConfig, type ServiceConfig } from '../config';
import { PlatformModule } from '../platform.module';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export function testConfig(env: Record<string, string> = {}): ServiceConfig {
  return loadConfig({ JWT_SECRET: TEST_JWT_SECRET, ...env }, { service: 'attestation' });
}

/** Partners registered in a test app: the listed tenants, or every tenant when none is listed. */
export class StaticPartnerDirectory extends PartnerDirectory {
  constructor(private readonly registered?: readonly string[]) {
    super();
  }

  isRegistered(partnerId: string): Promise<boolean> {
    return Promise.resolve(this.registered === undefined || this.registered.includes(partnerId));
  }
}

/** A Nest app with the platform and the given controllers, set up as a service is, not listening. */
export async function createPlatformTestApp(
  controllers: Type[],
  config: ServiceConfig = testConfig(),
  logger: LoggerService | false = false,
  partners: PartnerDirectory = new StaticPartnerDirectory(),
): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forRoot(config)],
    controllers,
    providers: [{ provide: PartnerDirectory, useValue: partners }],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
  configureServiceApp(app, config);
  await app.init();
  return app;
}
