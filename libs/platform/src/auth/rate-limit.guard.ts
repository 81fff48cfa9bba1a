import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';
import { JwtVerifier } from './jwt-verifier';

/** One window of the limits: they are per minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

interface Caller {
  key: string;
  limit: number;
  kind: 'tenant' | 'address';
}

/**
 * S-09: each caller has one budget per minute across every route of the service: a verified token's
 * tenant (`tid`), or, without a valid token, the client address. Past it the caller gets 429 with
 * `Retry-After` until the window that it overran ends. It runs before authentication, so a flood of
 * bad tokens is limited too; the token is verified once for both. Health, metrics and docs are never
 * limited (`@SkipThrottle()`, and the docs are not Nest routes). Counts are per instance.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: JwtVerifier,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return super.canActivate(context);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const request = props.context.switchToHttp().getRequest<Request>();
    const caller = await this.callerOf(request);
    if (caller.limit === 0) return true;
    return super.handleRequest({
      ...props,
      limit: caller.limit,
      getTracker: () => caller.key,
      generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    });
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const http = context.switchToHttp();
    const caller = await this.callerOf(http.getRequest<Request>());
    const who = caller.kind === 'tenant' ? 'this tenant' : 'this address (calls without a valid token)';
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    http.getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      ErrorCodes.RateLimitExceeded,
      'RateLimitExceeded',
      `Too many requests from ${who}: at most ${caller.limit} a minute. Try again in ${retryAfter} seconds (Retry-After).`,
      { retryAfterSeconds: String(retryAfter), limitPerMinute: String(caller.limit) },
      true,
    );
  }

  private async callerOf(request: Request): Promise<Caller> {
    const principal = await this.verifier.principalOf(request).catch(() => undefined);
    if (principal) {
      return {
        key: `tenant:${principal.tenantId}`,
        limit: this.config.rateLimit.perPartnerPerMinute,
        kind: 'tenant',
      };
    }
    return {
      key: `address:${await this.getTracker(request)}`,
      limit: this.config.rateLimit.perAddressPerMinute,
      kind: 'address',
    };
  }
}
