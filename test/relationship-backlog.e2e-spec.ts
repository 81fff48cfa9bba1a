import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { buildEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { ConsumerRegistry, Sql, sql, table } from '@app/messaging';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
} from '@app/testing';
import { ATTESTATION_SCHEMA, AttestationModule } from '../apps/attestation/src/attestation.module';
import { RELATIONSHIPS_CONSUMER } from '../apps/attestation/src/relationships/partners-relationships.consumer';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const BACKLOG_FACTS = 30_000;
const BACKLOG_PARTNERS = 300;

/**
 * ~30,000 relationship facts of other partners and customers, published as the reseller-relationship
 * service publishes them (S-04: its producer name), in batches.
 */
async function queueRelationshipBacklog(producer: Producer): Promise<void> {
  const partners = Array.from({ length: BACKLOG_PARTNERS }, () => randomUUID());
  const facts: Array<{ key: string; value: string }> = partners.map((partnerId) => ({
    key: partnerId,
    value: JSON.stringify(
      buildEnvelope(
        'PartnerRegistered',
        { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Backlog partner' },
        { producer: 'reseller-relationship' },
      ),
    ),
  }));
  for (let i = facts.length; i < BACKLOG_FACTS; i++) {
    const customerTenantId = randomUUID();
    const envelope = buildEnvelope(
      'CustomerTenantCreated',
      {
        customerTenantId,
        partnerId: partners[i % BACKLOG_PARTNERS],
        companyName: `Backlog customer ${i}`,
        cloud: 'Public',
        country: 'US',
      },
      { producer: 'reseller-relationship' },
    );
    facts.push({ key: customerTenantId, value: JSON.stringify(envelope) });
  }
  for (let i = 0; i < facts.length; i += 2000) {
    await producer.send({
      topic: Topics.PartnersRelationships,
      acks: -1,
      messages: facts.slice(i, i + 2000),
    });
  }
}

const contact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' };

describe('A-17, G-11 under a backlog of relationship facts: reseller-relationship → attestation → gate (real broker, real database)', () => {
  const kafka = testKafka('relationship-backlog-e2e');
  let db: TestDatabase;
  let pausedDb: TestDatabase;
  let relationships: RunningService;
  let attestation: RunningService;
  let pausedAttestation: RunningService;
  let gate: RunningService;
  let decided: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    [db, pausedDb] = await Promise.all([
      createTestDatabase('relationship_backlog_e2e'),
      createTestDatabase('relationship_backlog_paused_e2e'),
    ]);
    const common = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('relationship-backlog') };
    [relationships, attestation, gate, pausedAttestation] = await Promise.all([
      startService('reseller-relationship', (c) => ResellerRelationshipModule.forRoot(c), common),
      // The longest wait allowed: every service of this test shares one event loop with the test's own
      // producer, which a deployment never does; the point here is that nothing is refused.
      startService(
        'attestation',
        (c) => AttestationModule.forRoot(c, { relationshipCatchUpMs: 30000 }),
        common,
      ),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
      // Another attestation instance, with its own copy of the facts and a tiny wait.
      startService('attestation', (c) => AttestationModule.forRoot(c, { relationshipCatchUpMs: 200 }), {
        databaseUrl: pausedDb.url,
        groupPrefix: uniqueGroupPrefix('relationship-backlog-paused'),
      }),
    ]);
    decided = await new TopicRecorder(kafka, [Topics.OrdersDecided]).start();
    producer = await connectedProducer(kafka);
  }, 180000);

  afterAll(async () => {
    await producer?.disconnect();
    await decided?.stop();
    await Promise.allSettled([relationships, attestation, gate, pausedAttestation].map((s) => s?.close()));
    await Promise.allSettled([db?.drop(), pausedDb?.drop()]);
  });

  async function registeredPartner(): Promise<string> {
    const partnerId = randomUUID();
    await relationships
      .http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send({ id: partnerId, name: 'Contoso Partner', partnerType: 'DirectBill', cloud: 'Public' })
      .expect(201);
    return partnerId;
  }

  async function createCustomer(partnerId: string): Promise<string> {
    const res = await relationships
      .http()
      .post('/v1/customers')
      .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
      .send({ companyProfile: { companyName: 'Contoso' }, primaryContact: contact, country: 'US' });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function attest(service: RunningService, partnerId: string, customerTenantId: string) {
    return service
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
      .send({
        primaryContact: contact,
        dateAgreed: new Date(Date.now() - 60000).toISOString(),
        templateId: MCA_TEMPLATE,
        type: 'MicrosoftCustomerAgreement',
      });
  }

  /** A statement as `query`'s two arguments. */
  const q = (statement: Sql): [string, unknown[]] => {
    const { text, values } = statement.toQuery();
    return [text, values];
  };

  const knownTo = async (service: RunningService, customerTenantId: string): Promise<boolean> => {
    const rows = await service.app
      .get(DataSource)
      .query(
        ...q(
          sql`SELECT 1 FROM ${table(ATTESTATION_SCHEMA, 'customers')} WHERE customer_tenant_id = ${customerTenantId}`,
        ),
      );
    return rows.length > 0;
  };

  it('A-17: when the relationship facts cannot be read within the wait, the answer is 503 with Retry-After, never 404 or 422', async () => {
    const partnerId = await registeredPartner();
    await eventually(async () => {
      const rows = await pausedAttestation.app
        .get(DataSource)
        .query(
          ...q(sql`SELECT 1 FROM ${table(ATTESTATION_SCHEMA, 'partners')} WHERE partner_id = ${partnerId}`),
        );
      expect(rows).toHaveLength(1);
    });
    await pausedAttestation.app.get(ConsumerRegistry).consumer(RELATIONSHIPS_CONSUMER)!.stop();

    const customerTenantId = await createCustomer(partnerId);
    const res = await attest(pausedAttestation, partnerId, customerTenantId);

    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({
      code: 610122,
      errorName: 'RelationshipFactsPending',
      isRetryable: true,
      parameters: { retryAfterSeconds: '1' },
    });
    expect(res.body.description).toContain('Nothing was recorded');
    const recorded = await pausedAttestation.app
      .get(DataSource)
      .query(
        ...q(
          sql`SELECT 1 FROM ${table(ATTESTATION_SCHEMA, 'attestations')} WHERE customer_tenant_id = ${customerTenantId}`,
        ),
      );
    expect(recorded).toHaveLength(0);
    // The service that reads the facts answers the same request with the attestation.
    expect((await attest(attestation, partnerId, customerTenantId)).status).toBe(201);
  });

  it('A-17, G-11: with ~30,000 relationship facts queued, a customer created over HTTP is attested at once (201) and its order at once approved', async () => {
    const partnerId = await registeredPartner();
    await queueRelationshipBacklog(producer);

    const customerTenantId = await createCustomer(partnerId);
    // The attestation service has not read the new customer yet: it must wait for it, not refuse it.
    expect(await knownTo(attestation, customerTenantId)).toBe(false);
    const attested = await attest(attestation, partnerId, customerTenantId);
    expect(attested.status).toBe(201);
    expect(attested.body).toMatchObject({ templateId: MCA_TEMPLATE, type: 'MicrosoftCustomerAgreement' });

    const order: OrderRequestedV1 = {
      orderId: `backlog-${randomUUID()}`,
      partnerId,
      customerTenantId,
      kind: 'NewPurchase',
      channel: 'Api',
      requestedAt: new Date().toISOString(),
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 }],
    };
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: [
        {
          key: customerTenantId,
          value: JSON.stringify(buildEnvelope('OrderRequested', order, { producer: 'commerce-platform' })),
        },
      ],
    });
    const decision = await eventually(
      () => {
        const mine = decided.on(Topics.OrdersDecided).filter((m) => m.json?.data?.orderId === order.orderId);
        expect(mine).toHaveLength(1);
        return mine[0];
      },
      { timeoutMs: 60000 },
    );
    expect(decision.json).toMatchObject({
      eventType: 'OrderApproved',
      data: { reason: 'AcceptanceConfirmed', evidence: { acceptanceSource: 'PartnerAttestation' } },
    });
  });
});
