import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { dirname, join } from 'path';
import { ConsoleConfigError, loadConsoleConfig, type ConsoleConfig } from './config';
import { ConsoleModule } from './console.module';
import { consoleRoot } from './pages/render';
import { securityHeaders } from './security-headers';

/** sysexits.h EX_CONFIG, as the services: refusing to start with the environment given. */
const EXIT_CONFIG_ERROR = 78;

export async function createConsoleApp(config: ConsoleConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ConsoleModule.forRoot(config), {
    bodyParser: false,
    logger: ['error', 'warn', 'log'],
  });
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(securityHeaders(config));
  const assets = { maxAge: '1h', index: false, fallthrough: false } as const;
  // chart.js's own build, as published (its dist folder: chart.umd.min.js and its source map).
  app.useStaticAssets(dirname(require.resolve('chart.js')), { ...assets, prefix: '/assets/vendor/' });
  app.useStaticAssets(join(consoleRoot(), 'assets'), { ...assets, prefix: '/assets/' });
  app.enableShutdownHooks();
  return app;
}

async function main(): Promise<void> {
  let config: ConsoleConfig;
  try {
    config = loadConsoleConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConsoleConfigError)) throw error;
    process.stderr.write(`console: refusing to start. ${error.message}\n`);
    process.exit(EXIT_CONFIG_ERROR);
  }
  const app = await createConsoleApp(config);
  await app.listen(config.port, '0.0.0.0');
  new Logger('Console').log(`Console listening on ${config.publicUrl} (sign-in at ${config.oidc.issuerUrl})`);
}

if (require.main === module) void main();
