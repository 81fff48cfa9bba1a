import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { resolveCorrelationId } from '../http/request-context';
import { httpRequestDuration } from '../metrics/metrics';

/** The status logged for a request whose client went away before the response was complete. */
const CLIENT_CLOSED_REQUEST = 499;
const UNMATCHED_ROUTE = '(unmatched)';
const QUIET_ROUTES = /^\/(health|metrics)(\/|$)/;
const OBSERVED = Symbol('accessLogged');

/**
 * The route pattern the request matched (`/v1/customers/:customerTenantId/agreements`), never the
 * raw URL: it keeps ids out of metric labels and query strings out of logs.
 */
export function routePattern(request: Request): string {
  const path: unknown = request.route?.path;
  return typeof path === 'string' ? path : UNMATCHED_ROUTE;
}

/**
 * One log line and one histogram sample per request, once the response is done. A middleware rather
 * than an interceptor, so that requests refused by the guard (401, 403) and unknown routes count too.
 * It records no body, no query string and no personal data. `configureServiceApp` also mounts it
 * ahead of the body parser, so that malformed and oversized bodies count: it observes a request once.
 */
@Injectable()
export class AccessLogMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HttpAccess');

  use(request: Request & { [OBSERVED]?: true }, response: Response, next: NextFunction): void {
    if (request[OBSERVED]) return next();
    request[OBSERVED] = true;
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routePattern(request);
      const status = response.writableFinished ? response.statusCode : CLIENT_CLOSED_REQUEST;
      httpRequestDuration.observe({ method: request.method, route, status: String(status) }, seconds);
      const entry = {
        method: request.method,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        correlationId: resolveCorrelationId(request),
        partnerTenantId: request.principal?.tenantId,
      };
      const message = `${request.method} ${route} ${status}`;
      if (QUIET_ROUTES.test(route)) this.logger.debug(message, entry);
      else this.logger.log(message, entry);
    });
    next();
  }
}
