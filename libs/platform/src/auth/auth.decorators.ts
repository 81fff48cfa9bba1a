import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../errors/api-error';
import type { Principal, RoleName } from './principal';

export const IS_PUBLIC = 'platform:isPublic';
export const REQUIRED_ROLES = 'platform:requiredRoles';
export const IS_CUSTOMER_ROUTE = 'platform:isCustomerRoute';

/** No token needed (health, metrics, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The caller needs at least one of these roles, else 403. */
export const Roles = (...roles: RoleName[]) => SetMetadata(REQUIRED_ROLES, roles);

/** Only a customer token may call this route, and a customer token may call nothing else. */
export const CustomerRoute = () => SetMetadata(IS_CUSTOMER_ROUTE, true);

/** The verified caller, as `JwtAuthGuard` set it. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<Request>().principal;
    if (!principal) throw ApiError.unauthorized('This operation needs a bearer token.');
    return principal;
  },
);
