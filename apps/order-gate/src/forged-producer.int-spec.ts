import { randomUUID } from 'crypto';
import { DLQ_HEADERS, dlqTopicOf, EventEnvelope, Topics } from '@app/contracts';
import { eventually, givenRunningService } from '@app/testing';
import { decisionOf as decisionOn, publishBatch } from './order-gate.harness';
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
  const sut = givenRunningService({
    service: 'order-gate',
    module: (c) => OrderGateModule.forRoot(c),
    record: [
      Topics.OrdersDecided,
      dlqTopicOf(Topics.AgreementsAcceptance),
      dlqTopicOf(Topics.PartnersRelationships),
    ],
    label: 's04-forged-producer',
  });

  const send = (topic: string, key: string, ...events: EventEnvelope[]) =>
    publishBatch(sut, topic, key, events);
  const dlqCopyOf = (event: EventEnvelope, topic: string) =>
    eventually(() => {
      const copy = sut.recorder.on(dlqTopicOf(topic)).find((m) => m.json?.eventId === event.eventId);
      expect(copy).toBeDefined();
      return copy!;
    });
  const decisionOf = (orderId: string) => decisionOn(sut, orderId);

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
