import { randomUUID } from 'crypto';
import { buildEnvelope, EventEnvelope, KnownEventEnvelope, OrderRequestedV1 } from '@app/contracts';

/** Facts as their producers write them, at a chosen time, for the projection's tests. */

export const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const MCA = 'MicrosoftCustomerAgreement' as const;

const known = (e: unknown) => e as KnownEventEnvelope;

export function givenAttested(
  partnerId: string,
  customerTenantId: string,
  at: string,
  more: {
    attestationId?: string;
    templateId?: string;
    dateAgreed?: string;
    producer?: string;
    /** T-08, E-04: Legacy, or Enhanced with the enhanced attestation it finalized; absent as before the flow. */
    attestationSource?: 'Legacy' | 'Enhanced';
    enhancedAttestationId?: string;
  } = {},
) {
  return known(
    buildEnvelope(
      'AgreementAttested',
      {
        attestationId: more.attestationId ?? randomUUID(),
        partnerId,
        customerTenantId,
        agreementType: MCA,
        templateId: more.templateId ?? MCA_TEMPLATE,
        dateAgreed: more.dateAgreed ?? '2024-01-01T00:00:00.000Z',
        userId: randomUUID(),
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
        channel: 'Api',
        ...(more.attestationSource ? { attestationSource: more.attestationSource } : {}),
        ...(more.enhancedAttestationId ? { enhancedAttestationId: more.enhancedAttestationId } : {}),
      },
      { producer: more.producer ?? 'attestation', occurredAt: new Date(at) },
    ),
  );
}

export function givenWithdrawn(attestation: KnownEventEnvelope, at: string) {
  const a = attestation.data as { attestationId: string; partnerId: string; customerTenantId: string };
  return known(
    buildEnvelope(
      'AgreementAttestationWithdrawn',
      {
        attestationId: a.attestationId,
        partnerId: a.partnerId,
        customerTenantId: a.customerTenantId,
        agreementType: MCA,
        withdrawnAt: at,
        reason: 'the customer no longer agrees',
        userId: randomUUID(),
      },
      { producer: 'attestation', occurredAt: new Date(at) },
    ),
  );
}

export function givenDirectlyAccepted(
  customerTenantId: string,
  at: string,
  more: { templateId?: string; dateAgreed?: string; viaPartnerId?: string } = {},
) {
  return known(
    buildEnvelope(
      'CustomerAgreementAccepted',
      {
        customerTenantId,
        agreementType: MCA,
        templateId: more.templateId ?? MCA_TEMPLATE,
        dateAgreed: more.dateAgreed ?? '2024-01-01T00:00:00.000Z',
        signer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' },
        // D-03: accepted in the step that accepts this partner's invitation.
        ...(more.viaPartnerId ? { viaPartnerId: more.viaPartnerId } : {}),
      },
      { producer: 'reseller-relationship', occurredAt: new Date(at) },
    ),
  );
}

export function givenPartnerRegistered(partnerId: string, cloud = 'Public', partnerType = 'DirectBill') {
  return known(
    buildEnvelope(
      'PartnerRegistered',
      { partnerId, partnerType, cloud, name: 'Fabrikam' },
      { producer: 'reseller-relationship' },
    ),
  );
}

export function givenCustomerCreated(
  partnerId: string,
  customerTenantId: string,
  at: string,
  cloud = 'Public',
) {
  return known(
    buildEnvelope(
      'CustomerTenantCreated',
      { customerTenantId, partnerId, companyName: 'Contoso', cloud, country: 'US' },
      { producer: 'reseller-relationship', occurredAt: new Date(at) },
    ),
  );
}

export function givenRelationshipAccepted(
  partnerId: string,
  customerTenantId: string,
  at: string,
  cloud = 'Public',
) {
  return known(
    buildEnvelope(
      'ResellerRelationshipAccepted',
      { invitationId: randomUUID(), partnerId, customerTenantId, acceptedAt: at, cloud, country: 'US' },
      { producer: 'reseller-relationship', occurredAt: new Date(at) },
    ),
  );
}

export function givenTerminated(
  partnerId: string,
  customerTenantId: string,
  at: string,
  producer = 'reseller-relationship',
) {
  return known(
    buildEnvelope(
      'ResellerRelationshipTerminated',
      { partnerId, customerTenantId, terminatedAt: at, reason: 'ended' },
      { producer, occurredAt: new Date(at) },
    ),
  );
}

/** D-07: an indirect provider links a reseller it works with. */
export function givenResellerLinked(providerPartnerId: string, resellerPartnerId: string, at: string) {
  return known(
    buildEnvelope(
      'IndirectResellerLinked',
      { providerPartnerId, resellerPartnerId, linkedAt: at },
      { producer: 'reseller-relationship', occurredAt: new Date(at) },
    ),
  );
}

export function givenTemplatePublished(
  templateId: string,
  versionRank: number,
  publishedAt: string,
  agreementLink = 'https://aka.ms/customeragreement',
) {
  return known(
    buildEnvelope(
      'AgreementTemplatePublished',
      { templateId, agreementType: MCA, versionRank, agreementLink, publishedAt },
      { producer: 'attestation', occurredAt: new Date(publishedAt) },
    ),
  );
}

/** E-01: a partner opened an enhanced attestation, at `at`, whose link expires `expiresAt`. */
export function givenEnhancedStarted(
  partnerId: string,
  customerTenantId: string,
  at: string,
  more: { attestationId?: string; expiresAt?: string; producer?: string } = {},
) {
  const attestationId = more.attestationId ?? randomUUID();
  return known(
    buildEnvelope(
      'EnhancedAttestationStarted',
      {
        attestationId,
        partnerId,
        customerTenantId,
        templateId: MCA_TEMPLATE,
        country: 'US',
        language: 'en',
        expiresAt: more.expiresAt ?? new Date(Date.parse(at) + 7 * 86400000).toISOString(),
        acceptanceUrl: `http://127.0.0.1:3001/v1/acceptance/${attestationId}?token=${randomUUID()}`,
        userId: randomUUID(),
        autoFinalize: false,
      },
      { producer: more.producer ?? 'attestation', occurredAt: new Date(at) },
    ),
  );
}

/** E-03, E-05: what became of a started attestation (Accepted, Cancelled or Expired), at `at`. */
export function givenEnhancedOutcome(
  started: KnownEventEnvelope,
  outcome: 'Accepted' | 'Cancelled' | 'Expired',
  at: string,
  producer = 'attestation',
) {
  const { attestationId, partnerId, customerTenantId } = started.data as {
    attestationId: string;
    partnerId: string;
    customerTenantId: string;
  };
  const ids = { attestationId, partnerId, customerTenantId };
  const data =
    outcome === 'Accepted'
      ? { ...ids, acceptedAt: at, evidenceHash: 'a'.repeat(64) }
      : outcome === 'Cancelled'
        ? { ...ids, cancelledAt: at }
        : { ...ids, expiredAt: at };
  return known(
    buildEnvelope(`EnhancedAttestation${outcome}`, data as never, { producer, occurredAt: new Date(at) }),
  );
}

/** E-04: the partner finalized a started (and accepted) attestation: a partner attestation that names it. */
export function givenEnhancedFinalized(started: KnownEventEnvelope, at: string) {
  const { attestationId, partnerId, customerTenantId } = started.data as {
    attestationId: string;
    partnerId: string;
    customerTenantId: string;
  };
  return givenAttested(partnerId, customerTenantId, at, {
    dateAgreed: at,
    attestationSource: 'Enhanced',
    enhancedAttestationId: attestationId,
  });
}

/** The same fact published again under a new eventId: a copy with the same eventId is deduplicated anyway. */
export const replayOf = (fact: KnownEventEnvelope): KnownEventEnvelope => ({
  ...fact,
  eventId: randomUUID(),
});

/** A NewPurchase as the commerce platform requests it, now. */
export function givenOrderRequested(
  partnerId: string,
  customerTenantId: string,
  orderId = `order-${randomUUID()}`,
): EventEnvelope<OrderRequestedV1> {
  return buildEnvelope(
    'OrderRequested',
    {
      orderId,
      partnerId,
      customerTenantId,
      kind: 'NewPurchase',
      channel: 'Api',
      requestedAt: new Date().toISOString(),
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 }],
    },
    { producer: 'commerce-platform' },
  );
}
