import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, Response } from 'express';
import { resolveCorrelationId } from '../http/request-context';
import { routePattern } from '../logging/access-log.middleware';
import { serviceTracer, tracingEnabled } from './tracing';
import { installContextManager, withLogFields } from './trace-context';

/**
 * Runs the rest of a request in its own context: its correlation id for every log line, and, when tracing is
 * on, a server span continuing the caller's `traceparent`. Mounted ahead of everything else (body parser
 * included), with the request's and the response's listeners bound to that context, so that the lines written
 * from their events (the access log, a refused body) carry it too. The span is named by the route pattern
 * once it is known, never by the raw URL.
 */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|$)/;

export function requestTracing(service: string) {
  installContextManager();
  const tracer = serviceTracer(service);
  return (request: Request, response: Response, next: NextFunction): void => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const correlated = withLogFields({ correlationId: resolveCorrelationId(request) }, parent);
    // Tracing off, or a probe or scrape (they would drown the traces): the correlation id only, no span.
    if (!tracingEnabled() || UNTRACED_PATHS.test(request.path)) return context.with(correlated, next);
    const span = tracer.startSpan(
      `${request.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_SCHEME]: 'http' },
      },
      parent,
    );
    const active = withLogFields(
      { correlationId: resolveCorrelationId(request) },
      trace.setSpan(parent, span),
    );
    context.bind(active, request);
    context.bind(active, response);
    response.once('close', () => {
      const route = routePattern(request);
      const status = response.writableFinished ? response.statusCode : 499;
      span.updateName(`${request.method} ${route}`);
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(active, next);
  };
}
