import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { JwtVerifier } from './auth/jwt-verifier';
import { SERVICE_CONFIG, type ServiceConfig } from './config';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { createValidationPipe } from './errors/validation';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness.registry';
import { CorrelationMiddleware } from './http/correlation.middleware';
import { AccessLogMiddleware } from './logging/access-log.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { metricsRegistry } from './metrics/metrics';

/**
 * What every HTTP service shares: authentication on every route, Partner Center–shaped errors,
 * validation, correlation ids, access logs and metrics, `/health/*` and `/metrics`. Import it once,
 * in the root module (`createServiceApp` does).
 */
@Module({})
export class PlatformModule implements NestModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    metricsRegistry.setDefaultLabels({ service: config.service });
    return {
      module: PlatformModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        ReadinessRegistry,
        JwtVerifier,
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
