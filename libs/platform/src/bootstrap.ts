import { DynamicModule, INestApplication, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ConfigError, loadConfig, type ServiceConfig, type ServiceName } from './config';
import { translateBodyParserErrors } from './http/body-parser-errors';
import { refuseUnstorableBodies } from './http/unstorable-text';
import { AccessLogMiddleware } from './logging/access-log.middleware';
import { createJsonLogger } from './logging/json-logger';
import { PlatformModule } from './platform.module';
import { requestTracing } from './tracing/request-tracing';
import { startTracing } from './tracing/tracing';

export const BODY_SIZE_LIMIT = '256kb';

/** sysexits.h EX_CONFIG: the service refuses to start with the environment it was given. */
export const EXIT_CONFIG_ERROR = 78;

export interface ServiceDocs {
  title: string;
  description: string;
}

export interface BootstrapOptions extends ServiceDocs {
  service: ServiceName;
  /** The service's root module, built from its checked configuration. It must not import PlatformModule. */
  module: (config: ServiceConfig) => DynamicModule | Type;
}

const AUTH_NOTE = [
  'Every operation but /health, /metrics and /docs needs `Authorization: Bearer <JWT>` with the claims',
  '`tid` (the partner tenant id, a lower-case GUID), `oid` (the user id), `roles` and `exp`.',
  'A customer token has `roles: ["Customer"]` and the customer tenant id in `tid`: it may call only the',
  'operations meant for customers, and a partner token may never call those.',
  'A partner token acts only for a partner the operator registered (else 403 PartnerNotRegistered);',
  "`Auditor` and `PlatformAdmin` count only in tokens of the operator's tenants.",
  'Each tenant has a budget of requests per minute: past it, 429 with `Retry-After`.',
].join(' ');

/** The OpenAPI document of the app's routes, with the bearer scheme every operation requires. */
export function createOpenApiDocument(app: INestApplication, docs: ServiceDocs): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(docs.title)
    .setDescription(`${docs.description}\n\n${AUTH_NOTE}`)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: AUTH_NOTE }, 'bearer')
    .addSecurityRequirements('bearer');
  return SwaggerModule.createDocument(app, builder.build());
}

/**
 * Sets an app up the way every service runs: body limit, bodies with text PostgreSQL cannot store
 * refused (S-07), docs at /docs (JSON at /docs-json), no `X-Powered-By`, access logs that also see
 * the bodies the parser refuses. Create the app with
 * `bodyParser: false` so that this limit is the only one, and call this before `init()`.
 */
export function configureServiceApp(
  app: NestExpressApplication,
  config: ServiceConfig,
  docs?: ServiceDocs,
): void {
  app.disable('x-powered-by');
  app.use(requestTracing(config.service));
  const accessLog = new AccessLogMiddleware();
  app.use(accessLog.use.bind(accessLog));
  app.useBodyParser('json', { limit: BODY_SIZE_LIMIT });
  app.use(translateBodyParserErrors);
  app.use(refuseUnstorableBodies);
  const document = createOpenApiDocument(app, docs ?? { title: config.service, description: '' });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

function withPlatform(module: DynamicModule | Type, config: ServiceConfig): DynamicModule {
  @Module({})
  class ServiceRootModule {}
  return { module: ServiceRootModule, imports: [PlatformModule.forRoot(config), module] };
}

/**
 * The service app, initialised but not listening, from a module and a checked configuration. It adds
 * `PlatformModule.forRoot(config)` itself. For tests, and the base of `bootstrapService`.
 */
export async function createServiceApp(
  module: DynamicModule | Type,
  config: ServiceConfig,
  docs?: ServiceDocs,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(withPlatform(module, config), {
    logger: createJsonLogger(config.service, config.logLevel),
    bufferLogs: true,
    bodyParser: false,
  });
  configureServiceApp(app, config, docs);
  app.enableShutdownHooks();
  try {
    await app.init();
  } catch (err) {
    // Release what the modules that did start hold (pools, clients, timers) before giving up.
    await app.close().catch(() => undefined);
    throw err;
  }
  app.flushLogs();
  return app;
}

/** Starts a service from the environment: the whole of a `main.ts`. */
export async function bootstrapService(opts: BootstrapOptions): Promise<INestApplication> {
  let config: ServiceConfig;
  let module: DynamicModule | Type;
  try {
    config = loadConfig(process.env, { service: opts.service });
    // Before the modules load the clients it instruments (pg).
    startTracing(config.service);
    // A service's own settings (read by its module) are checked here too.
    module = opts.module(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${opts.service}: refusing to start. ${error.message}\n`);
    process.exit(EXIT_CONFIG_ERROR);
  }
  const app = await createServiceApp(module, config, opts);
  await app.listen(config.port, '0.0.0.0');
  new Logger('Bootstrap').log(`${opts.title} listening on ${await app.getUrl()} (docs at /docs)`, {
    service: config.service,
    port: config.port,
  });
  return app;
}
