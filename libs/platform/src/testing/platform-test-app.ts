import { LoggerService, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { configureServiceApp } from '../bootstrap';
import { loadConfig, type ServiceConfig } from '../config';
import { PlatformModule } from '../platform.module';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export function testConfig(env: Record<string, string> = {}): ServiceConfig {
  return loadConfig({ JWT_SECRET: TEST_JWT_SECRET, ...env }, { service: 'attestation' });
}

/** A Nest app with the platform and the given controllers, set up as a service is, not listening. */
export async function createPlatformTestApp(
  controllers: Type[],
  config: ServiceConfig = testConfig(),
  logger: LoggerService | false = false,
): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forRoot(config)],
    controllers,
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
  configureServiceApp(app, config);
  await app.init();
  return app;
}
