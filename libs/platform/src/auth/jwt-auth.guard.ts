import { CanActivate, ExecutionContext, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';
import { IS_CUSTOMER_ROUTE, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import { JwtVerifier } from './jwt-verifier';
import {
  PARTNER_DIRECTORY_RETRY_AFTER_SECONDS,
  PartnerDirectory,
  partnerNotRegistered,
  partnerRegistrationNotYetKnown,
} from './partner-directory';
import type { Principal, RoleName } from './principal';

/**
 * Every HTTP route needs a valid bearer token unless it is `@Public()`. A customer token reaches
 * only `@CustomerRoute()`s and a partner token never does; `@Roles()` then asks for any one of them
 * (operator roles count only from operator tenants, see JwtVerifier). A partner token acts only for
 * a partner the operator registered (S-03), unless it acts for the operator.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger(JwtAuthGuard.name);
  private partners!: PartnerDirectory;

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The service's own directory: a service that provides none does not start (no partner is trusted by default). */
  onModuleInit(): void {
    try {
      this.partners = this.moduleRef.get(PartnerDirectory, { strict: false });
    } catch {
      throw new Error('No PartnerDirectory is provided: the service cannot tell registered partners (S-03).');
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<Request>();
    const principal = await this.verifier.principalOf(request);
    if (!principal) {
      throw ApiError.unauthorized(
        'This operation needs a token: send the header "Authorization: Bearer <JWT>".',
      );
    }
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
    if (!principal.isCustomer && !principal.actsAsOperator) {
      await this.requireRegisteredPartner(principal, context.switchToHttp().getResponse<Response>());
    }
    return true;
  }

  private async requireRegisteredPartner(principal: Principal, response: Response): Promise<void> {
    let registered: boolean;
    try {
      registered = await this.partners.isRegistered(principal.tenantId);
    } catch (error) {
      if (error instanceof ApiError && error.code !== ErrorCodes.PartnerRegistrationNotYetKnown) throw error;
      // Unsure (lagging copy, database away): a retry, never a refusal of a partner that may be registered.
      if (!(error instanceof ApiError)) {
        this.logger.warn(
          `partner registration could not be read: ${(error as Error)?.message ?? String(error)}`,
        );
      }
      response.setHeader('Retry-After', String(PARTNER_DIRECTORY_RETRY_AFTER_SECONDS));
      throw error instanceof ApiError ? error : partnerRegistrationNotYetKnown();
    }
    if (!registered) throw partnerNotRegistered(principal.tenantId);
  }
}
