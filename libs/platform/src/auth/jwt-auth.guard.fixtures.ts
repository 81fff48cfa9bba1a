// Shared by the JwtAuthGuard specs: tenants, token claims and a probe controller with one route per guard rule.
import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal, CustomerRoute, Public, Roles } from './auth.decorators';
import type { DevTokenClaims } from './dev-token';
import type { Principal } from './principal';
export const PARTNER_TENANT = '0f3c6a4e-2f5b-4c1d-9a8e-7b6d5c4b3a21';
export const CUSTOMER_TENANT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const USER = '11111111-2222-4333-8444-555555555555';

export const agent = (roles: string[], tid = PARTNER_TENANT): DevTokenClaims => ({ tid, oid: USER, roles });
export const customer = (): DevTokenClaims => agent(['Customer'], CUSTOMER_TENANT);

@Controller('probe')
export class ProbeController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }

  @Get('any')
  any(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Roles('AdminAgent', 'PlatformAdmin')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @CustomerRoute()
  @Get('customer')
  customer(@CurrentPrincipal() principal: Principal) {
    return principal;
  }
}

export function unsigned(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 })}.`;
}
