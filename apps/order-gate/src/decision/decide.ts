import {
  AcceptanceSource,
  AgreementType,
  ApprovedReason,
  BlockedReason,
  DecisionEvidence,
  OrderKind,
  OrderRequestedV1,
} from '@app/contracts';

/** One acceptance fact as the projection holds it for a (partner, customer) pair. */
export interface AcceptanceFact {
  source: AcceptanceSource;
  agreementType: AgreementType;
  templateId: string;
  dateAgreed: string;
  eventId: string;
}

/** What the projection knows about the pair the order concerns. */
export interface PairView {
  acceptances: readonly AcceptanceFact[];
}

export interface Policy {
  version: string;
}

export interface Decision {
  outcome: 'Approved' | 'Blocked';
  reason: ApprovedReason | BlockedReason;
  message: string;
  evidence: DecisionEvidence;
  policyVersion: string;
}

/**
 * The first slice of the gate: gated kinds need an acceptance for the pair; auto-renewals and
 * cancellations pass (G-02, G-03). The full timeline (T-..), withdrawals and relationships come
 * with the order-gate issue; the shape (a pure function of view, policy and order) stays.
 */
export const FOUNDATION_POLICY: Policy = { version: 'foundation-2026-11-21' };

const NO_EVIDENCE: DecisionEvidence = {
  acceptanceSource: null,
  agreementType: null,
  templateId: null,
  dateAgreed: null,
  acceptanceEventId: null,
};

export function decide(view: PairView, policy: Policy, order: OrderRequestedV1): Decision {
  if (order.kind === OrderKind.AutoRenewal) {
    return approved(
      policy,
      'AutoRenewalExempt',
      'Auto-renewals are never blocked by the acceptance requirement.',
    );
  }
  if (order.kind === OrderKind.Cancellation) {
    return approved(
      policy,
      'CancellationExempt',
      'Cancellations are never blocked by the acceptance requirement.',
    );
  }
  const fact = newest(view.acceptances.filter((a) => a.agreementType === 'MicrosoftCustomerAgreement'));
  if (fact) {
    return {
      outcome: 'Approved',
      reason: 'AcceptanceConfirmed',
      message: `The customer's acceptance of the Microsoft Customer Agreement (agreed ${fact.dateAgreed}) is confirmed.`,
      evidence: {
        acceptanceSource: fact.source,
        agreementType: fact.agreementType,
        templateId: fact.templateId,
        dateAgreed: fact.dateAgreed,
        acceptanceEventId: fact.eventId,
      },
      policyVersion: policy.version,
    };
  }
  return {
    outcome: 'Blocked',
    reason: 'AcceptanceMissing',
    message:
      `No acceptance of the Microsoft Customer Agreement is recorded for customer ${order.customerTenantId} ` +
      `by partner ${order.partnerId}. Confirm it with POST /v1/customers/${order.customerTenantId}/agreements ` +
      `(type MicrosoftCustomerAgreement), then place the order again.`,
    evidence: NO_EVIDENCE,
    policyVersion: policy.version,
  };
}

function approved(policy: Policy, reason: ApprovedReason, message: string): Decision {
  return { outcome: 'Approved', reason, message, evidence: NO_EVIDENCE, policyVersion: policy.version };
}

function newest(facts: readonly AcceptanceFact[]): AcceptanceFact | undefined {
  return [...facts].sort((a, b) => Date.parse(b.dateAgreed) - Date.parse(a.dateAgreed))[0];
}
