import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { DLQ_HEADERS, dlqTopicOf, EventEnvelope, Topics } from '@app/contracts';
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
import {
  givenAttested,
  givenCustomerCreated,
  givenOrderRequested,
  givenPartnerRegistered,
  givenTerminated,
} from './projection/facts.fixtures';

const now = () => new Date().toISOString();
const partnerRegistered = (partnerId: string) => givenPartnerRegistered(partnerId);
const customerCreated = (partnerId: string, customerTenantId: string) =>
  givenCustomerCreated(partnerId, customerTenantId, now());
const attested = (partnerId: string, customerTenantId: string, producer: string) =>
  givenAttested(partnerId, customerTenantId, now(), {
    dateAgreed: new Date(Date.now() - 60000).toISOString(),
    producer,
  });
const terminated = (partnerId: string, customerTenantId: string, producer: string) =>
  givenTerminated(partnerId, customerTenantId, now(), producer);
const order = (partnerId: string, customerTenantId: string) =>
  givenOrderRequested(partnerId, customerTenantId, `forged-${randomUUID()}`);

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
