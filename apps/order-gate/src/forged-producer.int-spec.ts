import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import {
  buildEnvelope,
  DLQ_HEADERS,
  dlqTopicOf,
  EventEnvelope,
  OrderRequestedV1,
  Topics,
} from '@app/contracts';
import {
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

const partnerRegistered = (partnerId: string) =>
  buildEnvelope(
    'PartnerRegistered',
    { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Partner' },
    { producer: 'reseller-relationship' },
  );

const customerCreated = (partnerId: string, customerTenantId: string) =>
  buildEnvelope(
    'CustomerTenantCreated',
    { customerTenantId, partnerId, companyName: 'Contoso', cloud: 'Public', country: 'US' },
    { producer: 'reseller-relationship' },
  );

const attested = (partnerId: string, customerTenantId: string, producer: string) =>
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
    { producer },
  );

const terminated = (partnerId: string, customerTenantId: string, producer: string) =>
  buildEnvelope(
    'ResellerRelationshipTerminated',
    { partnerId, customerTenantId, terminatedAt: new Date().toISOString(), reason: 'forged' },
    { producer },
  );

const order = (partnerId: string, customerTenantId: string): EventEnvelope<OrderRequestedV1> =>
  buildEnvelope(
    'OrderRequested',
    {
      orderId: `forged-${randomUUID()}`,
      partnerId,
      customerTenantId,
      kind: 'NewPurchase',
      channel: 'Api',
      requestedAt: new Date().toISOString(),
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 }],
    },
    { producer: 'commerce-platform' },
  );

describe("S-04: the gate refuses facts from a producer that is not their topic's writer", () => {
  const kafka = testKafka('s04-forged-producer');
  let db: TestDatabase;
  let gate: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;

  const send = (topic: string, key: string, ...events: EventEnvelope[]) =>
    producer.send({ topic, acks: -1, messages: events.map((e) => ({ key, value: JSON.stringify(e) })) });
  const dlqCopyOf = (event: EventEnvelope, topic: string) =>
    eventually(() => {
      const copy = recorder.on(dlqTopicOf(topic)).find((m) => m.json?.eventId === event.eventId);
      expect(copy).toBeDefined();
      return copy!;
    });
  const decisionOf = (orderId: string) =>
    eventually(() => {
      const decision = recorder.on(Topics.OrdersDecided).find((m) => m.json?.data?.orderId === orderId);
      expect(decision).toBeDefined();
      return decision!.json as { eventType: string; data: { reason: string } };
    });

  beforeAll(async () => {
    db = await createTestDatabase('s04_forged_producer');
    gate = await startService('order-gate', (c) => OrderGateModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('s04-forged'),
    });
    recorder = await new TopicRecorder(kafka, [
      Topics.OrdersDecided,
      dlqTopicOf(Topics.AgreementsAcceptance),
      dlqTopicOf(Topics.PartnersRelationships),
    ]).start();
    producer = await connectedProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await recorder?.stop();
    await gate?.close();
    await db?.drop();
  });

  it('S-04: an AgreementAttested from commerce-platform goes to the .dlq with the reason, and the order stays blocked', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    await send(Topics.PartnersRelationships, partnerId, partnerRegistered(partnerId));
    await send(Topics.PartnersRelationships, customerTenantId, customerCreated(partnerId, customerTenantId));
    const forged = attested(partnerId, customerTenantId, 'commerce-platform');
    await send(Topics.AgreementsAcceptance, customerTenantId, forged);

    const copy = await dlqCopyOf(forged, Topics.AgreementsAcceptance);
    expect(copy.headers[DLQ_HEADERS.reason]).toBe(
      'producer commerce-platform is not a writer of agreements.acceptance (writers: attestation, reseller-relationship)',
    );
    expect(copy.headers[DLQ_HEADERS.sourceTopic]).toBe(Topics.AgreementsAcceptance);

    const request = order(partnerId, customerTenantId);
    await send(Topics.OrdersRequested, customerTenantId, request);
    expect(await decisionOf(request.data.orderId)).toMatchObject({
      eventType: 'OrderBlocked',
      data: { reason: 'AcceptanceMissing' },
    });
  });

  it('S-04: a ResellerRelationshipTerminated from another service does not block a competitor', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    await send(Topics.PartnersRelationships, partnerId, partnerRegistered(partnerId));
    await send(Topics.PartnersRelationships, customerTenantId, customerCreated(partnerId, customerTenantId));
    await send(
      Topics.AgreementsAcceptance,
      customerTenantId,
      attested(partnerId, customerTenantId, 'attestation'),
    );
    const forged = terminated(partnerId, customerTenantId, 'attestation');
    await send(Topics.PartnersRelationships, customerTenantId, forged);

    const copy = await dlqCopyOf(forged, Topics.PartnersRelationships);
    expect(copy.headers[DLQ_HEADERS.reason]).toBe(
      'producer attestation is not a writer of partners.relationships (writers: reseller-relationship)',
    );

    const request = order(partnerId, customerTenantId);
    await send(Topics.OrdersRequested, customerTenantId, request);
    expect(await decisionOf(request.data.orderId)).toMatchObject({
      eventType: 'OrderApproved',
      data: { reason: 'AcceptanceConfirmed' },
    });
  });
});
