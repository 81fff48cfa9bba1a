import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal';

declare module 'express-serve-static-core' {
  interface Request {
    /** `MS-CorrelationId` as sent (when valid) or generated; echoed on the response, carried into events. */
    correlationId?: string;
    /** `MS-RequestId` as sent: the caller's idempotency key, when it gave one. */
    requestId?: string;
    /** Who is calling: set by `JwtAuthGuard` on every route that is not `@Public()`. */
    principal?: Principal;
  }
}

export const CORRELATION_ID_HEADER = 'MS-CorrelationId';
export const REQUEST_ID_HEADER = 'MS-RequestId';

const PRINTABLE_1_TO_128 = /^[\x20-\x7e]{1,128}$/;

/** A header value we accept as an id: 1..128 printable ASCII characters, once. */
export function acceptableId(value: string | string[] | undefined): string | undefined {
  const candidate = Array.isArray(value) ? value[0] : value;
  const trimmed = candidate?.trim();
  return trimmed && PRINTABLE_1_TO_128.test(trimmed) ? trimmed : undefined;
}

/**
 * The request's correlation id, settled once: the caller's `MS-CorrelationId` when acceptable,
 * a fresh UUID otherwise. The exception filter calls it too, for errors raised before the
 * correlation middleware ran (a malformed or oversized body).
 */
export function resolveCorrelationId(request: Request): string {
  request.correlationId ??=
    acceptableId(request.headers[CORRELATION_ID_HEADER.toLowerCase()]) ?? randomUUID();
  return request.correlationId;
}

/** The request's correlation id (see `resolveCorrelationId`). */
export const CorrelationId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  resolveCorrelationId(context.switchToHttp().getRequest<Request>()),
);

/** The caller's `MS-RequestId` (idempotency key), or undefined when it sent none. */
export const RequestId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined =>
    context.switchToHttp().getRequest<Request>().requestId,
);
