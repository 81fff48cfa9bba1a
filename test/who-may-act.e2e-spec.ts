import { randomUUID } from 'crypto';
import {
  bearer,
  createTestDatabase,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
/** The audit runs with a tight limit, to show S-09 on a real service. */
const AUDIT_LIMIT_PER_MINUTE = 12;

const partnerToken = (tenantId: string, roles = ['AdminAgent']) => bearer({ tenantId, roles });

describe('S-03 and S-09 across the services: who may act, and how often (real broker, real database)', () => {
  let db: TestDatabase;
  let relationships: RunningService;
  let attestation: RunningService;
  let gate: RunningService;
  let audit: RunningService;

  beforeAll(async () => {
    db = await createTestDatabase('who_may_act_e2e');
    const common = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('who-may-act') };
    [relationships, attestation, gate, audit] = await Promise.all([
      startService('reseller-relationship', (c) => ResellerRelationshipModule.forRoot(c), common),
      startService('attestation', (c) => AttestationModule.forRoot(c), common),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
      startService('audit', (c) => AuditModule.forRoot(c), {
        ...common,
        env: { RATE_LIMIT_PER_PARTNER_PER_MINUTE: String(AUDIT_LIMIT_PER_MINUTE) },
      }),
    ]);
  }, 120000);

  afterAll(async () => {
    await Promise.allSettled([relationships, attestation, gate, audit].map((s) => s?.close()));
    await db?.drop();
  });

  /** The real path: the operator registers the partner on reseller-relationship, which publishes PartnerRegistered. */
  async function registerPartner(partnerId: string): Promise<void> {
    await relationships
      .http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send({
        id: partnerId,
        name: `Partner ${partnerId.slice(0, 8)}`,
        partnerType: 'DirectBill',
        cloud: 'Public',
      })
      .expect(201);
  }

  async function createCustomer(partnerId: string) {
    return relationships
      .http()
      .post('/v1/customers')
      .set('Authorization', await partnerToken(partnerId))
      .send({
        companyProfile: { companyName: 'Fabrikam' },
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' },
        cloud: 'Public',
        country: 'US',
      });
  }

  async function attest(partnerId: string, customerTenantId: string) {
    return attestation
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .set('Authorization', await partnerToken(partnerId))
      .send({
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' },
        dateAgreed: new Date(Date.now() - 60000).toISOString(),
        templateId: MCA_TEMPLATE,
        type: 'MicrosoftCustomerAgreement',
      });
  }

  const expectNotRegistered = (response: { status: number; body: any }, tenantId: string) => {
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      code: 610030,
      errorName: 'PartnerNotRegistered',
      isRetryable: false,
      parameters: { partnerId: tenantId },
    });
    expect(response.body.description).toContain('must be registered by the operator');
  };

  it('S-03: a tid that was never registered gets 403 creating a customer and attesting; a registered partner succeeds at once', async () => {
    const stranger = randomUUID();
    expectNotRegistered(await createCustomer(stranger), stranger);

    const partnerId = randomUUID();
    await registerPartner(partnerId);
    const created = await createCustomer(partnerId);
    expect(created.status).toBe(201);
    const customerTenantId: string = created.body.id;

    // The stranger cannot attest even for a customer that exists; the partner, registered seconds ago, can.
    expectNotRegistered(await attest(stranger, customerTenantId), stranger);
    const attested = await attest(partnerId, customerTenantId);
    expect(attested.status).toBe(201);
  });

  it('S-03: every partner route of the gate and the audit refuses an unregistered tid, and serves a registered partner', async () => {
    const stranger = randomUUID();
    const partnerId = randomUUID();
    await registerPartner(partnerId);
    const customerTenantId = randomUUID();
    for (const [service, path] of [
      [gate, `/v1/customers/${customerTenantId}/acceptance`],
      [gate, '/v1/compliance/at-risk'],
      [audit, `/v1/audit/events?partnerId=${stranger}`],
      [attestation, '/v1/agreements'],
      [relationships, '/v1/customers/relationshiprequests'],
    ] as const) {
      const refused = await service
        .http()
        .get(path)
        .set('Authorization', await partnerToken(stranger));
      expectNotRegistered(refused, stranger);
    }
    // Registered a moment ago: the gate's and the audit's copies catch up before they answer.
    const atRisk = await gate
      .http()
      .get('/v1/compliance/at-risk')
      .set('Authorization', await partnerToken(partnerId));
    expect(atRisk.status).toBe(200);
    const events = await audit
      .http()
      .get(`/v1/audit/events?partnerId=${partnerId}`)
      .set('Authorization', await partnerToken(partnerId));
    expect(events.status).toBe(200);
  });

  it("S-03: an Auditor token from a tenant that is not the operator's gets 403 on the audit routes", async () => {
    const registered = randomUUID();
    await registerPartner(registered);
    for (const tenantId of [randomUUID(), registered]) {
      const token = await bearer({ tenantId, roles: ['Auditor'] });
      for (const path of ['/v1/audit/events', '/v1/audit/verify', '/v1/audit/export?format=ndjson']) {
        const response = await audit.http().get(path).set('Authorization', token);
        expect(response.status).toBe(403);
      }
    }
    const operator = await operatorBearer(['Auditor']);
    await audit.http().get('/v1/audit/verify').set('Authorization', operator).expect(200);
  });

  it("S-03: a PlatformAdmin token from a tenant that is not the operator's can neither register partners nor publish templates", async () => {
    const registered = randomUUID();
    await registerPartner(registered);
    for (const tenantId of [randomUUID(), registered]) {
      const token = await bearer({ tenantId, roles: ['PlatformAdmin'] });
      const register = await relationships.http().post('/v1/partners').set('Authorization', token).send({
        id: randomUUID(),
        name: 'Self-made partner',
        partnerType: 'DirectBill',
        cloud: 'UsGovernment',
      });
      expect(register.status).toBe(403);
      const publish = await attestation.http().post('/v1/agreements').set('Authorization', token).send({
        templateId: randomUUID(),
        agreementType: 'MicrosoftCustomerAgreement',
        versionRank: 99,
        agreementLink: 'https://evil.example/agreement',
      });
      expect(publish.status).toBe(403);
    }
  });

  it('S-09: past the limit a partner gets 429 with Retry-After; another partner is unaffected', async () => {
    const busy = randomUUID();
    const other = randomUUID();
    await Promise.all([registerPartner(busy), registerPartner(other)]);
    const busyToken = await partnerToken(busy);
    const statuses: number[] = [];
    let refused: { headers: Record<string, string>; body: any } | undefined;
    for (let i = 0; i < AUDIT_LIMIT_PER_MINUTE + 1; i++) {
      const response = await audit
        .http()
        .get(`/v1/audit/events?partnerId=${busy}`)
        .set('Authorization', busyToken);
      statuses.push(response.status);
      if (response.status === 429) refused = response;
    }
    expect(statuses.slice(0, AUDIT_LIMIT_PER_MINUTE).every((s) => s === 200)).toBe(true);
    expect(statuses[AUDIT_LIMIT_PER_MINUTE]).toBe(429);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused!.body).toMatchObject({ code: 610032, errorName: 'RateLimitExceeded', isRetryable: true });

    await audit
      .http()
      .get(`/v1/audit/events?partnerId=${other}`)
      .set('Authorization', await partnerToken(other))
      .expect(200);
    await audit.http().get('/health/ready').expect(200);
  });
});
