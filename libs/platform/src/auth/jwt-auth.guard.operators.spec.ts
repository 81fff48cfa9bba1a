// JwtAuthGuard rules for operators (S-03): operator roles only from operator tenants, partners only when registered.
import { Controller, Get } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createPlatformTestApp, TEST_JWT_SECRET, testConfig } from '../testing/platform-test-app';
import { CurrentPrincipal, Roles } from './auth.decorators';
import { signHs256Token, type DevTokenClaims } from './dev-token';
import { agent, customer, PARTNER_TENANT, ProbeController } from './jwt-auth.guard.fixtures';
import { PartnerDirectory, partnerRegistrationNotYetKnown } from './partner-directory';
import type { Principal } from './principal';

const OPERATOR_TENANT = '00000000-0000-4000-8000-0000000000a1';
const UNREGISTERED_TENANT = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

@Controller('operator')
class OperatorProbeController {
  @Roles('PlatformAdmin')
  @Get('publish')
  publish(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Roles('Auditor', 'AdminAgent')
  @Get('read')
  read(@CurrentPrincipal() principal: Principal) {
    return principal;
  }
}

/** A directory whose answer a test sets: registered tenants, or "cannot be sure yet". */
class SettablePartnerDirectory extends PartnerDirectory {
  registered = new Set<string>([PARTNER_TENANT]);
  unsure = false;
  asked: string[] = [];

  isRegistered(partnerId: string): Promise<boolean> {
    this.asked.push(partnerId);
    if (this.unsure) return Promise.reject(partnerRegistrationNotYetKnown());
    return Promise.resolve(this.registered.has(partnerId));
  }
}

describe('S-03: JwtAuthGuard, operator roles and registered partners', () => {
  let app: NestExpressApplication;
  const partners = new SettablePartnerDirectory();
  const get = async (path: string, claims: DevTokenClaims, status: number) =>
    request(app.getHttpServer())
      .get(path)
      .set('Authorization', `Bearer ${await signHs256Token(TEST_JWT_SECRET, claims)}`)
      .expect(status);

  beforeAll(async () => {
    app = await createPlatformTestApp(
      [ProbeController, OperatorProbeController],
      testConfig({ OPERATOR_TENANT_IDS: OPERATOR_TENANT }),
      false,
      partners,
    );
  });
  afterAll(() => app.close());
  beforeEach(() => {
    partners.unsure = false;
    partners.asked = [];
  });

  it('S-03: honours PlatformAdmin and Auditor from an operator tenant, which acts without being a partner', async () => {
    const admin = await get('/operator/publish', agent(['PlatformAdmin'], OPERATOR_TENANT), 200);
    expect(admin.body).toMatchObject({ roles: ['PlatformAdmin'], actsAsOperator: true });
    await get('/operator/read', agent(['Auditor'], OPERATOR_TENANT), 200);
    expect(partners.asked).toEqual([]);
  });

  it('S-03: drops PlatformAdmin and Auditor from any other tenant, registered partner or not', async () => {
    const publish = await get('/operator/publish', agent(['PlatformAdmin'], PARTNER_TENANT), 403);
    expect(publish.body).toMatchObject({ code: 610003, errorName: 'Forbidden' });
    await get('/operator/read', agent(['Auditor'], PARTNER_TENANT), 403);
    await get('/operator/read', agent(['Auditor'], UNREGISTERED_TENANT), 403);
    const principal = await get('/probe/any', agent(['Auditor', 'SalesAgent'], PARTNER_TENANT), 200);
    expect(principal.body).toMatchObject({ roles: ['SalesAgent'], actsAsOperator: false });
  });

  it('S-03: an operator tenant with only partner roles is no operator: it must be a registered partner', async () => {
    const response = await get('/probe/any', agent(['AdminAgent'], OPERATOR_TENANT), 403);
    expect(response.body.errorName).toBe('PartnerNotRegistered');
  });

  it('S-03: refuses a partner token whose tid was never registered, in Partner Center shape', async () => {
    const response = await get('/probe/any', agent(['AdminAgent'], UNREGISTERED_TENANT), 403);
    expect(response.body).toEqual({
      code: 610030,
      errorName: 'PartnerNotRegistered',
      description: expect.stringContaining('must be registered by the operator'),
      isRetryable: false,
      parameters: { partnerId: UNREGISTERED_TENANT },
    });
    expect(partners.asked).toEqual([UNREGISTERED_TENANT]);
  });

  it('S-03: lets a registered partner act', async () => {
    await get('/probe/any', agent(['HelpdeskAgent'], PARTNER_TENANT), 200);
  });

  it('S-03: answers 503 with Retry-After, not 403, when the directory cannot be sure yet', async () => {
    partners.unsure = true;
    const response = await get('/probe/any', agent(['AdminAgent'], UNREGISTERED_TENANT), 503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toMatchObject({ errorName: 'PartnerRegistrationNotYetKnown', isRetryable: true });
  });

  it('S-03: does not ask about customers, whose tokens name a customer tenant', async () => {
    await get('/probe/customer', customer(), 200);
    expect(partners.asked).toEqual([]);
  });
});
