import {
  DynamicModule,
  Injectable,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { JwtVerifier } from './auth/jwt-verifier';
import { RATE_LIMIT_WINDOW_MS, RateLimitGuard } from './auth/rate-limit.guard';
import { SERVICE_CONFIG, type ServiceConfig } from './config';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { createValidationPipe } from './errors/validation';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness.registry';
import { CorrelationMiddleware } from './http/correlation.middleware';
import { AccessLogMiddleware } from './logging/access-log.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { metricsRegistry } from './metrics/metrics';
import { flushTracing } from './tracing/tracing';

/** The last spans of a stopping service are sent before it exits. */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return flushTracing();
  }
}

/**
 * What every HTTP service shares: per-caller rate limits and authentication on every route, Partner Center–shaped errors,
 * validation, correlation ids, access logs and metrics, `/health/*` and `/metrics`. Import it once,
 * in the root module (`createServiceApp` does). The service provides its `PartnerDirectory` (S-03).
 */
@Module({})
export class PlatformModule implements NestModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    metricsRegistry.setDefaultLabels({ service: config.service });
    return {
      module: PlatformModule,
      global: true,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'default', ttl: RATE_LIMIT_WINDOW_MS, limit: config.rateLimit.perPartnerPerMinute },
          ],
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        ReadinessRegistry,
        JwtVerifier,
        TracingShutdown,
        // In this order: the rate limit counts calls that authentication then refuses.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [SERVICE_CONFIG, ReadinessRegistry, JwtVerifier],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware, AccessLogMiddleware).forRoutes('*');
  }
}
