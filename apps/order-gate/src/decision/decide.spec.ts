import { randomUUID } from 'crypto';
import { OrderKind, OrderRequestedV1 } from '@app/contracts';
import { AcceptanceFact, decide, FOUNDATION_POLICY } from './decide';

function givenOrder(kind: OrderKind, overrides: Partial<OrderRequestedV1> = {}): OrderRequestedV1 {
  return {
    orderId: `order-${randomUUID()}`,
    partnerId: randomUUID(),
    customerTenantId: randomUUID(),
    kind,
    channel: 'Api',
    requestedAt: '2026-11-21T10:00:00.000Z',
    subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
    lineItems: [{ offerId: 'offer-1', quantity: 1 }],
    ...overrides,
  };
}

function givenAttestation(overrides: Partial<AcceptanceFact> = {}): AcceptanceFact {
  return {
    source: 'PartnerAttestation',
    agreementType: 'MicrosoftCustomerAgreement',
    templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
    dateAgreed: '2026-11-01T00:00:00.000Z',
    eventId: randomUUID(),
    ...overrides,
  };
}

describe('decide (foundation slice)', () => {
  it('G-02: blocks a NewPurchase without acceptance, saying what to do', () => {
    const order = givenOrder('NewPurchase');
    const decision = decide({ acceptances: [] }, FOUNDATION_POLICY, order);
    expect(decision).toMatchObject({ outcome: 'Blocked', reason: 'AcceptanceMissing' });
    expect(decision.message).toContain(`POST /v1/customers/${order.customerTenantId}/agreements`);
    expect(decision.evidence.acceptanceEventId).toBeNull();
    expect(decision.policyVersion).toBe(FOUNDATION_POLICY.version);
  });

  it('G-02: approves a NewPurchase with an attested Customer Agreement and names the fact relied on', () => {
    const older = givenAttestation({ dateAgreed: '2025-01-01T00:00:00.000Z' });
    const newer = givenAttestation({ dateAgreed: '2026-01-01T00:00:00.000Z' });
    const decision = decide({ acceptances: [older, newer] }, FOUNDATION_POLICY, givenOrder('NewPurchase'));
    expect(decision).toMatchObject({
      outcome: 'Approved',
      reason: 'AcceptanceConfirmed',
      evidence: { acceptanceSource: 'PartnerAttestation', acceptanceEventId: newer.eventId },
    });
  });

  it('G-03: never blocks an AutoRenewal or a Cancellation', () => {
    expect(decide({ acceptances: [] }, FOUNDATION_POLICY, givenOrder('AutoRenewal')).reason).toBe(
      'AutoRenewalExempt',
    );
    expect(decide({ acceptances: [] }, FOUNDATION_POLICY, givenOrder('Cancellation')).reason).toBe(
      'CancellationExempt',
    );
  });
});
