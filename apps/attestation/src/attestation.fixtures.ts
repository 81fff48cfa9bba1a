/* Test fixtures: relationship events as the reseller-relationship service publishes them, and
 * attestation bodies. Only for *.int-spec.ts files (excluded from the build with libs/testing). */
import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import {
  buildEnvelope,
  Cloud,
  CustomerTenantCreatedV1,
  PartnerRegisteredV1,
  PartnerType,
  ResellerRelationshipAcceptedV1,
  ResellerRelationshipTerminatedV1,
  Topics,
} from '@app/contracts';

export const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
export const CLOUD_AGREEMENT_TEMPLATE = '998b88de-aa99-4388-a42c-1b3517d49490';

const PRODUCER = 'reseller-relationship';

async function publish(producer: Producer, key: string, eventType: string, data: object): Promise<void> {
  const envelope = buildEnvelope(eventType, data, { producer: PRODUCER });
  await producer.send({
    topic: Topics.PartnersRelationships,
    acks: -1,
    messages: [{ key, value: JSON.stringify(envelope) }],
  });
}

export function givenPartnerRegistered(
  producer: Producer,
  partnerId: string,
  partnerType: PartnerType = 'DirectBill',
  cloud: Cloud = 'Public',
): Promise<void> {
  const data: PartnerRegisteredV1 = {
    partnerId,
    partnerType,
    cloud,
    name: `Partner ${partnerId.slice(0, 8)}`,
  };
  return publish(producer, partnerId, 'PartnerRegistered', data);
}

export function givenCustomerCreated(
  producer: Producer,
  partnerId: string,
  customerTenantId: string,
  cloud: Cloud = 'Public',
): Promise<void> {
  const data: CustomerTenantCreatedV1 = {
    customerTenantId,
    partnerId,
    companyName: 'Contoso',
    cloud,
    country: 'US',
  };
  return publish(producer, customerTenantId, 'CustomerTenantCreated', data);
}

export function givenRelationshipAccepted(
  producer: Producer,
  partnerId: string,
  customerTenantId: string,
): Promise<void> {
  const data: ResellerRelationshipAcceptedV1 = {
    invitationId: randomUUID(),
    partnerId,
    customerTenantId,
    acceptedAt: new Date().toISOString(),
    cloud: 'Public',
    country: 'US',
  };
  return publish(producer, customerTenantId, 'ResellerRelationshipAccepted', data);
}

export function givenRelationshipTerminated(
  producer: Producer,
  partnerId: string,
  customerTenantId: string,
): Promise<void> {
  const data: ResellerRelationshipTerminatedV1 = {
    partnerId,
    customerTenantId,
    terminatedAt: new Date().toISOString(),
    reason: 'test',
  };
  return publish(producer, customerTenantId, 'ResellerRelationshipTerminated', data);
}

export function attestationBody(over: Record<string, unknown> = {}) {
  return {
    primaryContact: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@contoso.example',
      phoneNumber: '+1 425 555 0100',
    },
    dateAgreed: new Date(Date.now() - 3600000).toISOString(),
    templateId: MCA_TEMPLATE,
    type: 'MicrosoftCustomerAgreement',
    ...over,
  };
}
