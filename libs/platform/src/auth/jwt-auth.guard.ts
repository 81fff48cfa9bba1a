import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../errors/api-error';
import { IS_CUSTOMER_ROUTE, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import { JwtVerifier } from './jwt-verifier';
import type { RoleName } from './principal';

const BEARER = /^Bearer +(\S+)\s*$/i;

/**
 * Every HTTP route needs a valid bearer token unless it is `@Public()`. A customer token reaches
 * only `@CustomerRoute()`s and a partner token never does; `@Roles()` then asks for any one of them.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<Request>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) {
      throw ApiError.unauthorized(
        'This operation needs a token: send the header "Authorization: Bearer <JWT>".',
      );
    }
    const principal = await this.verifier.verify(token);
    request.principal = principal;

    const isCustomerRoute = this.reflector.getAllAndOverride<boolean>(IS_CUSTOMER_ROUTE, targets) ?? false;
    if (principal.isCustomer && !isCustomerRoute) {
      throw ApiError.forbidden(
        'A customer token cannot call a partner operation: sign in as a partner user to do this.',
      );
    }
    if (!principal.isCustomer && isCustomerRoute) {
      throw ApiError.forbidden(
        'Only the customer can do this: call it with the customer\'s own token (roles ["Customer"]); a partner token cannot act as a customer.',
      );
    }
    const required = this.reflector.getAllAndOverride<RoleName[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    if (required.length > 0 && !required.some((role) => principal.roles.includes(role))) {
      throw ApiError.forbidden(`This operation needs one of the roles: ${required.join(', ')}.`, {
        requiredRoles: required.join(','),
      });
    }
    return true;
  }
}
