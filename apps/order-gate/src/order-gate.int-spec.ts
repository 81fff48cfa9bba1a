import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { buildEnvelope, EventEnvelope, OrderKind, OrderRequestedV1, Topics } from '@app/contracts';
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
} from '@app/testing';
import { OrderGateModule } from './order-gate.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

function order(partnerId: string, customerTenantId: string, kind: OrderKind = 'NewPurchase') {
  const data: OrderRequestedV1 = {
    orderId: `order-${randomUUID()}`,
    partnerId,
    customerTenantId,
    kind,
    channel: 'Api',
    requestedAt: new Date().toISOString(),
    subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
    lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 3 }],
  };
  return buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
}

const send = (producer: Producer, topic: string, key: string, ...events: EventEnvelope[]) =>
  producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({ key, value: JSON.stringify(e) })),
  });

const partnerRegistered = (partnerId: string) =>
  buildEnvelope(
    'PartnerRegistered',
    { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Contoso Partner' },
    { producer: 'reseller-relationship' },
  );

const customerCreated = (partnerId: string, customerTenantId: string, cloud = 'Public') =>
  buildEnvelope(
    'CustomerTenantCreated',
    { customerTenantId, partnerId, companyName: 'Contoso', cloud, country: 'US' },
    { producer: 'reseller-relationship' },
  );

const attested = (partnerId: string, customerTenantId: string) =>
  buildEnvelope(
    'AgreementAttested',
    {
      attestationId: randomUUID(),
      partnerId,
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed: new Date(Date.now() - 60000).toISOString(),
      userId: randomUUID(),
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
      channel: 'Api',
    },
    { producer: 'attestation' },
  );

describe('order gate against the real broker and database', () => {
  const kafka = testKafka('order-gate-int');
  let db: TestDatabase;
  let gate: RunningService;
  let decided: TopicRecorder;
  let producer: Producer;
  let groupPrefix: string;
  let pg: Client;

  const start = () =>
    startService('order-gate', (c) => OrderGateModule.forRoot(c), { databaseUrl: db.url, groupPrefix });
  const decisionsOf = (orderId: string) =>
    decided.on(Topics.OrdersDecided).filter((m) => m.json?.data?.orderId === orderId);
  const decisionOf = (orderId: string, timeoutMs = 15000) =>
    eventually(
      () => {
        const mine = decisionsOf(orderId);
        expect(mine).toHaveLength(1);
        return mine[0].json as { eventType: string; data: Record<string, any> };
      },
      { timeoutMs },
    );

  beforeAll(async () => {
    db = await createTestDatabase('order_gate_int');
    groupPrefix = uniqueGroupPrefix('gate');
    gate = await start();
    decided = await new TopicRecorder(kafka, [Topics.OrdersDecided]).start();
    producer = await connectedProducer(kafka);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await producer?.disconnect();
    await decided?.stop();
    await gate?.close();
    await db?.drop();
  });

  it('G-10: the same OrderRequested delivered many times gives one decision', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const request = order(partnerId, customerTenantId);
    const copies = Array.from({ length: 25 }, () => request);
    await send(producer, Topics.OrdersRequested, customerTenantId, ...copies);
    await send(producer, Topics.OrdersRequested, customerTenantId, ...copies.slice(0, 5));
    const redelivered = { ...request, eventId: randomUUID() };
    await send(producer, Topics.OrdersRequested, customerTenantId, redelivered);
    const marker = order(partnerId, customerTenantId);
    await send(producer, Topics.OrdersRequested, customerTenantId, marker);

    await decisionOf(marker.data.orderId);
    expect(decisionsOf(request.data.orderId)).toHaveLength(1);
    const rows = await pg.query(`SELECT count(*)::int AS n FROM order_gate.decisions WHERE order_id = $1`, [
      request.data.orderId,
    ]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('D-06, G-07: a direct acceptance satisfies partner B with a relationship; partner C without one is blocked', async () => {
    const customerTenantId = randomUUID();
    const partnerB = randomUUID();
    const partnerC = randomUUID();
    await send(
      producer,
      Topics.PartnersRelationships,
      customerTenantId,
      buildEnvelope(
        'ResellerRelationshipAccepted',
        {
          invitationId: randomUUID(),
          partnerId: partnerB,
          customerTenantId,
          acceptedAt: new Date().toISOString(),
          cloud: 'Public',
          country: 'DE',
        },
        { producer: 'reseller-relationship' },
      ),
    );
    const accepted = buildEnvelope(
      'CustomerAgreementAccepted',
      {
        customerTenantId,
        agreementType: 'MicrosoftCustomerAgreement',
        templateId: MCA_TEMPLATE,
        dateAgreed: new Date(Date.now() - 1000).toISOString(),
        signer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' },
        viaPartnerId: partnerB,
      },
      { producer: 'reseller-relationship' },
    );
    await send(producer, Topics.AgreementsAcceptance, customerTenantId, accepted);
    const byB = order(partnerB, customerTenantId);
    const byC = order(partnerC, customerTenantId);
    await send(producer, Topics.OrdersRequested, customerTenantId, byB, byC);

    expect(await decisionOf(byB.data.orderId)).toMatchObject({
      eventType: 'OrderApproved',
      data: {
        reason: 'AcceptanceConfirmed',
        evidence: { acceptanceSource: 'CustomerDirect', acceptanceEventId: accepted.eventId },
      },
    });
    const c = await decisionOf(byC.data.orderId);
    expect(c).toMatchObject({ eventType: 'OrderBlocked', data: { reason: 'NoResellerRelationship' } });
    expect(c.data.message).toContain('GET /v1/customers/relationshiprequests');
  });

  it('G-05, A-12, D-08, G-06: withdrawal blocks even an auto-renewal; a terminated relationship blocks; a national cloud passes', async () => {
    const partnerId = randomUUID();
    const withdrawnCustomer = randomUUID();
    const terminatedCustomer = randomUUID();
    const nationalCustomer = randomUUID();
    const attestation = attested(partnerId, withdrawnCustomer);
    await send(
      producer,
      Topics.PartnersRelationships,
      withdrawnCustomer,
      customerCreated(partnerId, withdrawnCustomer),
    );
    await send(
      producer,
      Topics.AgreementsAcceptance,
      withdrawnCustomer,
      attestation,
      buildEnvelope(
        'AgreementAttestationWithdrawn',
        {
          attestationId: attestation.data.attestationId,
          partnerId,
          customerTenantId: withdrawnCustomer,
          agreementType: 'MicrosoftCustomerAgreement',
          withdrawnAt: new Date().toISOString(),
          reason: 'customer no longer agrees',
          userId: randomUUID(),
        },
        { producer: 'attestation' },
      ),
    );
    await send(
      producer,
      Topics.PartnersRelationships,
      terminatedCustomer,
      customerCreated(partnerId, terminatedCustomer),
      buildEnvelope(
        'ResellerRelationshipTerminated',
        {
          partnerId,
          customerTenantId: terminatedCustomer,
          terminatedAt: new Date().toISOString(),
          reason: 'ended',
        },
        { producer: 'reseller-relationship' },
      ),
    );
    await send(
      producer,
      Topics.AgreementsAcceptance,
      terminatedCustomer,
      attested(partnerId, terminatedCustomer),
    );
    await send(
      producer,
      Topics.PartnersRelationships,
      nationalCustomer,
      customerCreated(partnerId, nationalCustomer, 'UsGovernment'),
    );

    const renewal = order(partnerId, withdrawnCustomer, 'AutoRenewal');
    const cancel = order(partnerId, withdrawnCustomer, 'Cancellation');
    const afterTermination = order(partnerId, terminatedCustomer);
    const national = order(partnerId, nationalCustomer);
    await send(producer, Topics.OrdersRequested, withdrawnCustomer, renewal, cancel);
    await send(producer, Topics.OrdersRequested, terminatedCustomer, afterTermination);
    await send(producer, Topics.OrdersRequested, nationalCustomer, national);

    expect((await decisionOf(renewal.data.orderId)).data.reason).toBe('AcceptanceWithdrawn');
    expect((await decisionOf(cancel.data.orderId)).data.reason).toBe('CancellationExempt');
    expect((await decisionOf(afterTermination.data.orderId)).data.reason).toBe('NoResellerRelationship');
    expect((await decisionOf(national.data.orderId)).data.reason).toBe('NationalCloudExempt');
  });

  it('G-11: hundreds of orders published right after their facts were acknowledged are never blocked', async () => {
    const iterations = 300;
    const lanes = 15;
    const orderIds: string[] = [];
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let i = 0; i < iterations / lanes; i++) {
          const partnerId = randomUUID();
          const customerTenantId = randomUUID();
          // As the services would: each fact acknowledged by the broker before the order is placed.
          await send(
            producer,
            Topics.PartnersRelationships,
            customerTenantId,
            customerCreated(partnerId, customerTenantId),
          );
          await send(
            producer,
            Topics.AgreementsAcceptance,
            customerTenantId,
            attested(partnerId, customerTenantId),
          );
          const request = order(partnerId, customerTenantId);
          orderIds.push(request.data.orderId);
          await send(producer, Topics.OrdersRequested, customerTenantId, request);
        }
      }),
    );
    const results = await eventually(
      () => {
        const got = orderIds.map((id) => decisionsOf(id));
        expect(got.filter((g) => g.length !== 1)).toHaveLength(0);
        return got.map((g) => g[0].json.data.reason as string);
      },
      { timeoutMs: 60000, intervalMs: 200 },
    );
    expect(results.filter((r) => r !== 'AcceptanceConfirmed')).toEqual([]);
  });

  it('G-10: a restart of the gate in the middle of a stream loses and duplicates nothing', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    await send(
      producer,
      Topics.PartnersRelationships,
      customerTenantId,
      customerCreated(partnerId, customerTenantId),
    );
    await send(
      producer,
      Topics.AgreementsAcceptance,
      customerTenantId,
      attested(partnerId, customerTenantId),
    );
    const requests = Array.from({ length: 400 }, () => order(partnerId, customerTenantId, 'SeatChange'));
    await send(producer, Topics.OrdersRequested, customerTenantId, ...requests.slice(0, 200));
    await eventually(() => expect(decisionsOf(requests[0].data.orderId)).toHaveLength(1));
    const stopping = gate.close();
    await send(producer, Topics.OrdersRequested, customerTenantId, ...requests.slice(200));
    await stopping;
    gate = await start();
    // the first half again, as a producer retry after the restart would
    await send(producer, Topics.OrdersRequested, customerTenantId, ...requests.slice(0, 50));

    await eventually(
      () => expect(requests.filter((r) => decisionsOf(r.data.orderId).length === 0)).toHaveLength(0),
      { timeoutMs: 60000, intervalMs: 200 },
    );
    expect(requests.filter((r) => decisionsOf(r.data.orderId).length > 1)).toHaveLength(0);
    const rows = await pg.query(
      `SELECT count(*)::int AS n FROM order_gate.decisions WHERE order_id = ANY($1)`,
      [requests.map((r) => r.data.orderId)],
    );
    expect(rows.rows[0].n).toBe(400);
  });

  it('G-12, G-13: pre-check, status and at-risk report answer from the projection; a foreign partnerId is refused', async () => {
    const partnerId = randomUUID();
    const okCustomer = randomUUID();
    const riskyCustomer = randomUUID();
    // Only registered partners act (S-03).
    await send(producer, Topics.PartnersRelationships, partnerId, partnerRegistered(partnerId));
    await send(producer, Topics.PartnersRelationships, okCustomer, customerCreated(partnerId, okCustomer));
    await send(
      producer,
      Topics.PartnersRelationships,
      riskyCustomer,
      customerCreated(partnerId, riskyCustomer),
    );
    await send(producer, Topics.AgreementsAcceptance, okCustomer, attested(partnerId, okCustomer));
    const auth = await bearer({ tenantId: partnerId, roles: ['SalesAgent'] });

    const status = await eventually(async () => {
      const res = await gate.http().get(`/v1/customers/${okCustomer}/acceptance`).set('Authorization', auth);
      expect(res.status).toBe(200);
      expect(res.body.nextNewPurchase.reason).toBe('AcceptanceConfirmed');
      return res.body;
    });
    expect(status).toMatchObject({ relationshipActive: true, customerCloud: 'Public' });

    const probe = order(partnerId, riskyCustomer).data;
    const pre = await gate.http().post('/v1/orders/precheck').set('Authorization', auth).send(probe);
    expect(pre.status).toBe(200);
    expect(pre.body).toMatchObject({ outcome: 'Blocked', reason: 'AcceptanceMissing' });
    expect(pre.body.message).toContain(`/v1/customers/${riskyCustomer}/agreements`);
    expect(decisionsOf(probe.orderId)).toHaveLength(0);

    const foreign = await gate
      .http()
      .post('/v1/orders/precheck')
      .set('Authorization', auth)
      .send({ ...probe, partnerId: randomUUID() });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: 610301, errorName: 'PrecheckPartnerMismatch' });
    const invalid = await gate
      .http()
      .post('/v1/orders/precheck')
      .set('Authorization', auth)
      .send({ kind: 'Nope' });
    expect(invalid.status).toBe(400);
    const badId = await gate.http().get('/v1/customers/not-a-guid/acceptance').set('Authorization', auth);
    expect(badId.body).toMatchObject({ code: 610302 });

    const report = await gate.http().get('/v1/compliance/at-risk').set('Authorization', auth);
    expect(report.status).toBe(200);
    expect(report.body.items).toEqual([
      expect.objectContaining({
        customerTenantId: riskyCustomer,
        reason: 'AcceptanceMissing',
        whatToDo: expect.stringContaining('POST /v1/customers/'),
      }),
    ]);
  });
});
