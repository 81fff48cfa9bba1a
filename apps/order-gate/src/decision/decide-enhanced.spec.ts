import { randomUUID } from 'crypto';
import { OrderKind, OrderRequestedV1 } from '@app/contracts';
import { DEFAULT_POLICY } from '../policy/policy-loader';
import { AcceptanceFact, EnhancedAttestationView, GateView } from '../projection/read-model';
import { decide } from './decide';

/** G-15: what a block says of the pair's enhanced attestation, and what a finalized one proves. */

const PARTNER = '11111111-1111-4111-8111-111111111111';
const CUSTOMER = '44444444-4444-4444-8444-444444444444';
const ENHANCED_ID = '55555555-5555-4555-8555-555555555555';
const MCA_V1 = '117a77b0-9360-443b-8795-c6dedc750cf9';
const AT = '2026-11-21T10:00:00.000Z';
const LINK = `https://attest.example/v1/acceptance/${ENHANCED_ID}?t=abc`;

const order = (kind: OrderKind = 'NewPurchase', requestedAt = AT): OrderRequestedV1 => ({
  orderId: `order-${randomUUID()}`,
  partnerId: PARTNER,
  customerTenantId: CUSTOMER,
  kind,
  channel: 'Api',
  requestedAt,
  subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
  lineItems: [{ offerId: 'offer-1', quantity: 1 }],
});

const enhanced = (more: Partial<EnhancedAttestationView> = {}): EnhancedAttestationView => ({
  attestationId: ENHANCED_ID,
  status: 'Pending',
  acceptanceUrl: LINK,
  expiresAt: '2026-11-25T10:00:00.000Z',
  ...more,
});

const view = (
  acceptances: AcceptanceFact[],
  enhancedAttestation: EnhancedAttestationView | null,
): GateView => ({
  customerCloud: 'Public',
  relationship: { partner: true, reseller: false, resellerLinked: false },
  acceptances,
  templates: [
    {
      templateId: MCA_V1,
      agreementType: 'MicrosoftCustomerAgreement',
      versionRank: 1,
      agreementLink: 'https://aka.ms/customeragreement',
      publishedAt: '2019-10-01T00:00:00Z',
    },
  ],
  enhancedAttestation,
});

const attested = (more: Partial<AcceptanceFact> = {}): AcceptanceFact => ({
  source: 'PartnerAttestation',
  agreementType: 'MicrosoftCustomerAgreement',
  templateId: MCA_V1,
  dateAgreed: '2026-11-20T10:00:00.000Z',
  eventId: randomUUID(),
  recordedAt: '2026-11-20T10:00:01.000Z',
  ...more,
});

describe('decide: the enhanced attestation (G-15)', () => {
  it('G-15: a pending attestation does not satisfy the gate; the block names it, its link and its expiry', () => {
    const d = decide(view([], enhanced()), DEFAULT_POLICY, order());
    expect(d.outcome).toBe('Blocked');
    expect(d.reason).toBe('AcceptanceMissing');
    expect(d.pendingAttestation).toEqual({
      attestationId: ENHANCED_ID,
      status: 'Pending',
      acceptanceUrl: LINK,
      expiresAt: '2026-11-25T10:00:00.000Z',
    });
    expect(d.message).toContain(`signatory must accept the agreement at ${LINK}`);
    expect(d.message).toContain('2026-11-25T10:00:00.000Z');
  });

  it.each(['SeatChange', 'Upgrade', 'TermChange', 'ManualRenewal'] as const)(
    'G-15: a %s blocked while the attestation is pending names it too',
    (kind) => {
      expect(
        decide(view([], enhanced()), DEFAULT_POLICY, order(kind)).pendingAttestation?.attestationId,
      ).toBe(ENHANCED_ID);
    },
  );

  it('G-15: a block under T-07 names the pending attestation that would renew the acceptance', () => {
    const stale = attested({ dateAgreed: '2022-05-01T00:00:00.000Z' });
    const d = decide(view([stale], enhanced()), DEFAULT_POLICY, order('SeatChange'));
    expect(d.reason).toBe('ReacceptanceRequired');
    expect(d.pendingAttestation?.acceptanceUrl).toBe(LINK);
  });

  it('G-15: not named once past its expiry at the order time, nor when cancelled or expired', () => {
    const expiredByTime = decide(
      view([], enhanced({ expiresAt: AT })),
      DEFAULT_POLICY,
      order('NewPurchase', AT),
    );
    expect(expiredByTime.reason).toBe('AcceptanceMissing');
    expect(expiredByTime.pendingAttestation).toBeUndefined();
    expect(expiredByTime.message).not.toContain(LINK);
    for (const status of ['Cancelled', 'Expired', 'Finalized'] as const) {
      const d = decide(view([], enhanced({ status })), DEFAULT_POLICY, order());
      expect(d.outcome).toBe('Blocked');
      expect(d.pendingAttestation).toBeUndefined();
    }
  });

  it('G-15: an accepted one not finalized yet does not satisfy the gate; the block says to finalize it', () => {
    const d = decide(view([], enhanced({ status: 'Accepted' })), DEFAULT_POLICY, order());
    expect(d.reason).toBe('AcceptanceMissing');
    expect(d.pendingAttestation).toBeUndefined();
    expect(d.message).toContain(`attestationId ${ENHANCED_ID}`);
  });

  it('G-15: an approved order or one passing before enforcement carries no pending attestation', () => {
    expect(
      decide(view([attested()], enhanced()), DEFAULT_POLICY, order()).pendingAttestation,
    ).toBeUndefined();
    const early = decide(
      view([], enhanced()),
      DEFAULT_POLICY,
      order('NewPurchase', '2019-01-01T00:00:00.000Z'),
    );
    expect(early.reason).toBe('EnforcementNotYetEffective');
    expect(early.pendingAttestation).toBeUndefined();
  });

  it('G-15: once finalized, orders pass and the evidence names the enhanced attestation', () => {
    const finalized = attested({ attestationSource: 'Enhanced', enhancedAttestationId: ENHANCED_ID });
    const d = decide(view([finalized], enhanced({ status: 'Finalized' })), DEFAULT_POLICY, order());
    expect(d.reason).toBe('AcceptanceConfirmed');
    expect(d.evidence).toMatchObject({
      enhancedAttestationId: ENHANCED_ID,
      acceptanceEventId: finalized.eventId,
    });
    expect(d.pendingAttestation).toBeUndefined();
  });
});
