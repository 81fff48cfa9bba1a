import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import {
  buildEnvelope,
  CustomerTenantCreatedV1,
  OrderRequestedV1,
  PartnerRegisteredV1,
  Topics,
} from '@app/contracts';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
  operatorBearer,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

function orderRequested(partnerId: string, customerTenantId: string, orderId = `order-${randomUUID()}`) {
  const data: OrderRequestedV1 = {
    orderId,
    partnerId,
    customerTenantId,
    kind: 'NewPurchase',
    channel: 'Api',
    requestedAt: new Date().toISOString(),
    lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 5 }],
  };
  return buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
}

/** What the reseller-relationship service publishes when a partner is registered and creates a customer. */
async function givenPartnerWithCustomer(producer: Producer, partnerId: string, customerTenantId: string) {
  const partner: PartnerRegisteredV1 = {
    partnerId,
    partnerType: 'DirectBill',
    cloud: 'Public',
    name: 'Contoso Partner',
  };
  const customer: CustomerTenantCreatedV1 = {
    customerTenantId,
    partnerId,
    companyName: 'Contoso',
    cloud: 'Public',
    country: 'US',
  };
  await producer.send({
    topic: Topics.PartnersRelationships,
    messages: [
      {
        key: partnerId,
        value: JSON.stringify(
          buildEnvelope('PartnerRegistered', partner, { producer: 'reseller-relationship' }),
        ),
      },
      {
        key: customerTenantId,
        value: JSON.stringify(
          buildEnvelope('CustomerTenantCreated', customer, { producer: 'reseller-relationship' }),
        ),
      },
    ],
  });
}

async function attestCustomerAgreement(
  attestation: RunningService,
  producer: Producer,
  partnerId: string,
  customerTenantId: string,
  role: 'AdminAgent' | 'SalesAgent',
) {
  await givenPartnerWithCustomer(producer, partnerId, customerTenantId);
  return attestation
    .http()
    .post(`/v1/customers/${customerTenantId}/agreements`)
    .set('Authorization', await bearer({ tenantId: partnerId, roles: [role] }))
    .send({
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
      dateAgreed: new Date(Date.now() - 60000).toISOString(),
      templateId: MCA_TEMPLATE,
      type: 'MicrosoftCustomerAgreement',
    });
}

describe('one fact end to end: attestation → gate → audit (real broker, real database)', () => {
  const kafka = testKafka('foundation-e2e');
  let db: TestDatabase;
  let attestation: RunningService;
  let gate: RunningService;
  let audit: RunningService;
  let decided: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    db = await createTestDatabase('foundation_e2e');
    const groupPrefix = uniqueGroupPrefix('foundation');
    const common = { databaseUrl: db.url, groupPrefix };
    [audit, gate, attestation] = await Promise.all([
      startService('audit', (c) => AuditModule.forRoot(c), common),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
      startService('attestation', (c) => AttestationModule.forRoot(c), common),
    ]);
    decided = await new TopicRecorder(kafka, [Topics.OrdersDecided]).start();
    producer = await connectedProducer(kafka);
  }, 120000);

  afterAll(async () => {
    await producer?.disconnect();
    await decided?.stop();
    await Promise.allSettled([attestation?.close(), gate?.close(), audit?.close()]);
    await db?.drop();
  });

  it('G-02, G-11: an order placed right after an acknowledged attestation is approved on that attestation', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const attest = await attestCustomerAgreement(
      attestation,
      producer,
      partnerId,
      customerTenantId,
      'AdminAgent',
    );
    expect(attest.status).toBe(201);
    expect(attest.body).toMatchObject({ templateId: MCA_TEMPLATE, type: 'MicrosoftCustomerAgreement' });

    const order = orderRequested(partnerId, customerTenantId);
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: [{ key: customerTenantId, value: JSON.stringify(order) }],
    });

    const decision = await eventually(() => {
      const mine = decided
        .on(Topics.OrdersDecided)
        .filter((m) => m.json?.data?.orderId === order.data.orderId);
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(decision.key).toBe(customerTenantId);
    expect(decision.json).toMatchObject({
      eventType: 'OrderApproved',
      causationId: order.eventId,
      data: {
        reason: 'AcceptanceConfirmed',
        evidence: { acceptanceSource: 'PartnerAttestation', templateId: MCA_TEMPLATE },
      },
    });
    expect(decision.json.data.evidence.acceptanceEventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(decision.json.data.policyVersion).toBeTruthy();
  });

  it('G-02: an order for a customer nobody attested is blocked with AcceptanceMissing, once however often it is delivered (G-10)', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    await givenPartnerWithCustomer(producer, partnerId, customerTenantId);
    const order = orderRequested(partnerId, customerTenantId);
    const message = { key: customerTenantId, value: JSON.stringify(order) };
    await producer.send({ topic: Topics.OrdersRequested, messages: [message, message, message] });
    const marker = orderRequested(partnerId, customerTenantId);
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: [{ key: customerTenantId, value: JSON.stringify(marker) }],
    });

    await eventually(
      () =>
        expect(
          decided.on(Topics.OrdersDecided).some((m) => m.json?.data?.orderId === marker.data.orderId),
        ).toBe(true),
      { timeoutMs: 20000 },
    );
    const mine = decided.on(Topics.OrdersDecided).filter((m) => m.json?.data?.orderId === order.data.orderId);
    expect(mine).toHaveLength(1);
    expect(mine[0].json).toMatchObject({
      eventType: 'OrderBlocked',
      data: { reason: 'AcceptanceMissing', evidence: { acceptanceEventId: null } },
    });
    expect(mine[0].json.data.message).toContain(`/v1/customers/${customerTenantId}/agreements`);
  });

  it('U-01: the audit keeps the attestation, the order and the decision of a customer, in arrival order', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const attest = await attestCustomerAgreement(
      attestation,
      producer,
      partnerId,
      customerTenantId,
      'SalesAgent',
    );
    expect(attest.status).toBe(201);
    // Three orders in one batch under one key: consecutive offsets on one partition, in this order.
    const orders = [1, 2, 3].map(() => orderRequested(partnerId, customerTenantId));
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: orders.map((order) => ({ key: customerTenantId, value: JSON.stringify(order) })),
    });

    const auditor = await operatorBearer(['Auditor']);
    const trail = await eventually(
      async () => {
        const res = await audit
          .http()
          .get('/v1/audit/events')
          .query({ customerTenantId })
          .set('Authorization', auditor);
        expect(res.status).toBe(200);
        const items = res.body.items as Array<{
          eventType: string;
          topic: string;
          partition: number;
          offset: string;
          orderId: string | null;
        }>;
        expect(items.map((i) => i.eventType)).toEqual(
          expect.arrayContaining(['AgreementAttested', 'OrderRequested', 'OrderApproved']),
        );
        expect(items.filter((i) => i.topic === Topics.OrdersRequested)).toHaveLength(orders.length);
        return items;
      },
      { timeoutMs: 20000 },
    );
    // The log's order (its sequence, in which the query answers) is the partition's: the orders as produced.
    const requested = trail.filter((i) => i.topic === Topics.OrdersRequested);
    expect(requested.map((i) => i.orderId)).toEqual(orders.map((o) => o.data.orderId));
    expect(new Set(requested.map((i) => i.partition)).size).toBe(1);
    const firstOffset = BigInt(requested[0].offset);
    expect(requested.map((i) => BigInt(i.offset) - firstOffset)).toEqual([0n, 1n, 2n]);

    // Another registered partner (S-03) sees nothing of this customer.
    const otherPartnerId = randomUUID();
    await givenPartnerWithCustomer(producer, otherPartnerId, randomUUID());
    const otherPartner = await bearer({ tenantId: otherPartnerId, roles: ['AdminAgent'] });
    const foreign = await audit
      .http()
      .get('/v1/audit/events')
      .query({ customerTenantId })
      .set('Authorization', otherPartner);
    expect(foreign.status).toBe(200);
    expect(foreign.body.items).toHaveLength(0);
  });
});

describe('bad input on a topic: dead-lettered, kept by the audit, and the consumer goes on', () => {
  const kafka = testKafka('foundation-dlq-e2e');
  let db: TestDatabase;
  let gate: RunningService;
  let audit: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    db = await createTestDatabase('foundation_dlq_e2e');
    const common = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('foundation-dlq') };
    [audit, gate] = await Promise.all([
      startService('audit', (c) => AuditModule.forRoot(c), common),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
    ]);
    recorder = await new TopicRecorder(kafka, [
      Topics.OrdersDecided,
      `${Topics.OrdersRequested}.dlq`,
    ]).start();
    producer = await connectedProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await recorder?.stop();
    await Promise.allSettled([gate?.close(), audit?.close()]);
    await db?.drop();
  });

  it('U-01, G-10: a malformed OrderRequested goes to commerce.orders.requested.dlq and the next order is still decided', async () => {
    const customerTenantId = randomUUID();
    const good = orderRequested(randomUUID(), customerTenantId);
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: [
        { key: customerTenantId, value: 'order for 5 seats, please' },
        { key: customerTenantId, value: JSON.stringify(good) },
      ],
    });

    await eventually(() =>
      expect(recorder.on(Topics.OrdersDecided).some((m) => m.json?.data?.orderId === good.data.orderId)).toBe(
        true,
      ),
    );
    const dead = await eventually(() => {
      const mine = recorder.on(`${Topics.OrdersRequested}.dlq`).filter((m) => m.key === customerTenantId);
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(dead.value).toBe('order for 5 seats, please');
    expect(dead.headers['dlq-reason']).toMatch(/not valid JSON/);
    expect(dead.headers['dlq-source-topic']).toBe(Topics.OrdersRequested);

    const auditor = await operatorBearer(['Auditor']);
    await eventually(async () => {
      const res = await audit
        .http()
        .get('/v1/audit/events')
        .query({ limit: 1000 })
        .set('Authorization', auditor);
      const raw = (
        res.body.items as Array<{ topic: string; invalidReason: string | null; envelope: unknown }>
      ).filter((i) => i.envelope === null && /not valid JSON/.test(i.invalidReason ?? ''));
      expect(raw.map((i) => i.topic)).toEqual(
        expect.arrayContaining([Topics.OrdersRequested, `${Topics.OrdersRequested}.dlq`]),
      );
    });
  });
});
