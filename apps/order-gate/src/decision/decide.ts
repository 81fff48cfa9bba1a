import {
  AgreementType,
  ApprovedReason,
  BlockedReason,
  DecisionEvidence,
  isNationalCloud,
  OrderKind,
  OrderRequestedV1,
  PendingAttestation,
} from '@app/contracts';
import { AgreementPeriod, LegacyRetirementEntry, Policy } from '../policy/policy';
import { AcceptanceFact, GateView, TemplateInfo } from '../projection/read-model';
import { withEnhancedAttestation } from './pending-attestation-rules';

export interface Decision {
  outcome: 'Approved' | 'Blocked';
  reason: ApprovedReason | BlockedReason;
  message: string;
  evidence: DecisionEvidence;
  policyVersion: string;
  /** G-15: a block while an enhanced attestation of the pair awaits the customer names it. */
  pendingAttestation?: PendingAttestation;
}

export const NO_EVIDENCE: DecisionEvidence = {
  acceptanceSource: null,
  agreementType: null,
  templateId: null,
  dateAgreed: null,
  acceptanceEventId: null,
  enhancedAttestationId: null,
};

const at = (instant: string) => Date.parse(instant);

/**
 * The gate's rule (G-01..G-15, T-01..T-08, D-06, D-07) as a pure function of what the projection
 * holds, the policy timeline and the order. Dates are judged as of `requestedAt` (G-09).
 */
export function decide(view: GateView, policy: Policy, order: OrderRequestedV1): Decision {
  const ctx = new Context(view, policy, order);
  if (order.kind === OrderKind.Cancellation) {
    return ctx.approved(
      'CancellationExempt',
      'Cancellations are never blocked by the acceptance requirement (G-03).',
    );
  }
  if (policy.requireResellerRelationship && !ctx.hasRelationship()) return ctx.noRelationship();
  if (view.customerCloud !== null && isNationalCloud(view.customerCloud)) {
    return ctx.approved(
      'NationalCloudExempt',
      `Customer ${order.customerTenantId} is in the ${view.customerCloud} national cloud, where acceptance confirmation does not apply (G-06).`,
    );
  }
  const judged = ctx.judgeAcceptance();
  const enforcedFrom = policy.enforcementFrom[order.channel];
  if (judged.outcome === 'Blocked' && at(order.requestedAt) < at(enforcedFrom)) {
    const { pendingAttestation: _pending, ...passed } = judged;
    return {
      ...passed,
      outcome: 'Approved',
      reason: 'EnforcementNotYetEffective',
      message:
        `Warning: approved only because acceptance is not enforced for ${order.channel} orders before ${enforcedFrom} (T-04). ` +
        `From then on this order would be blocked: ${judged.message}`,
    };
  }
  return judged;
}

class Context {
  private readonly requestedAt: number;
  readonly period: AgreementPeriod | undefined;

  constructor(
    private readonly view: GateView,
    private readonly policy: Policy,
    private readonly order: OrderRequestedV1,
  ) {
    this.requestedAt = at(order.requestedAt);
    this.period = [...policy.agreementPeriods].reverse().find((p) => at(p.from) <= this.requestedAt);
  }

  hasRelationship(): boolean {
    const r = this.view.relationship;
    return r.partner || (this.order.resellerPartnerId !== undefined && r.reseller && r.resellerLinked);
  }

  /** G-15: a block names the pair's enhanced attestation that awaits the customer, or one left to finalize. */
  judgeAcceptance(): Decision {
    return withEnhancedAttestation(this.judgeFacts(), this.view.enhancedAttestation, this.order);
  }

  private judgeFacts(): Decision {
    const { order, policy } = this;
    const satisfying = this.period?.satisfiedBy ?? this.period0Types();
    const usable = this.view.acceptances.filter(
      (a) => !a.withdrawnAt && (a.source === 'PartnerAttestation' || this.hasRelationship()),
    );

    const counting = usable.filter((a) => this.retirementFor(a) === undefined);
    const withdrawal = this.withdrawal(satisfying, counting);
    if (withdrawal && (order.kind !== OrderKind.AutoRenewal || policy.withdrawalBlocksAutoRenewal)) {
      return this.blocked(
        'AcceptanceWithdrawn',
        `Partner ${order.partnerId} withdrew its confirmation that customer ${order.customerTenantId} accepted the ` +
          `${withdrawal.agreementType} (withdrawn ${withdrawal.withdrawnAt}, G-05). Only cancellations pass: cancel the ` +
          `customer's subscriptions, or, if the customer accepts again, ${this.howToConfirm()}`,
        withdrawal,
      );
    }
    if (order.kind === OrderKind.AutoRenewal) {
      return this.approved(
        'AutoRenewalExempt',
        'Auto-renewals are never blocked by the acceptance requirement (G-03).',
      );
    }

    const ofSatisfyingType = counting.filter((a) => satisfying.includes(a.agreementType));
    const retired = usable.filter((a) => satisfying.includes(a.agreementType) && !counting.includes(a));
    const stale = ofSatisfyingType.filter((a) => this.reacceptanceEntryFor(a) !== undefined);
    const current = ofSatisfyingType.filter((a) => !stale.includes(a));
    const needsLatest = policy.latestTemplateRequiredFor.includes(order.kind);
    const onLatest = needsLatest ? current.filter((a) => this.isOnLatestTemplate(a)) : current;

    const chosen = best(onLatest, this.period?.required);
    if (chosen) {
      return {
        outcome: 'Approved',
        reason: 'AcceptanceConfirmed',
        message:
          `Confirmed: ${describeSource(chosen)} of the ${chosen.agreementType} (template ${chosen.templateId}, ` +
          `agreed ${chosen.dateAgreed}) satisfies the gate for this ${order.kind}.`,
        evidence: evidenceOf(chosen),
        policyVersion: policy.id,
      };
    }
    const outdated = best(current, this.period?.required);
    if (outdated) {
      const latest = this.latestTemplate(outdated.agreementType);
      return this.blocked(
        'TemplateOutdated',
        `A ${order.kind} needs confirmation of the latest ${outdated.agreementType} template (G-04): the acceptance on ` +
          `record is of template ${outdated.templateId}, the latest is ${latest?.templateId ?? 'unknown'}` +
          `${latest ? ` (${latest.agreementLink})` : ''}. Re-confirm it: ${this.howToConfirm(outdated.agreementType)}`,
        outdated,
      );
    }
    const retiredFact = best(retired, this.period?.required);
    if (retiredFact) {
      const entry = this.retirementFor(retiredFact)!;
      return this.blocked(
        'LegacyAttestationRetired',
        `Partner ${order.partnerId}'s attestation of the ${retiredFact.agreementType} for customer ` +
          `${order.customerTenantId} was recorded ${retiredFact.recordedAt} through the legacy attestation, which ` +
          `was retired on ${entry.from} (${entry.id}, T-08): it is kept but no longer satisfies the gate. Use the ` +
          `enhanced flow: start an enhanced attestation (POST /v1/attestations/enhanced), have the customer's ` +
          `signatory accept it at its link, and finalize it (POST /v1/customers/${order.customerTenantId}/agreements ` +
          `with its attestationId); or have the customer accept directly ` +
          `(POST /v1/customers/${order.customerTenantId}/agreements/direct). Then place the order again.`,
        retiredFact,
      );
    }
    const staleFact = best(stale, this.period?.required);
    if (staleFact) {
      const entry = this.reacceptanceEntryFor(staleFact)!;
      return this.blocked(
        'ReacceptanceRequired',
        `Acceptances of the ${staleFact.agreementType} dated before ${entry.acceptedBefore} no longer satisfy the gate ` +
          `from ${entry.from} (${entry.id}, T-07); this one was agreed ${staleFact.dateAgreed}. The customer must accept ` +
          `again: ${this.howToConfirm(staleFact.agreementType)}`,
        staleFact,
      );
    }
    const superseded = best(usable, undefined);
    if (superseded) {
      return this.blocked(
        'AgreementTypeSuperseded',
        `The ${superseded.agreementType} on record no longer satisfies the gate for orders requested from ` +
          `${this.period?.from ?? order.requestedAt} (T-06): the ${this.requiredType()} replaces it. ` +
          this.howToConfirm(),
        superseded,
      );
    }
    return this.blocked(
      'AcceptanceMissing',
      `No acceptance of the ${this.requiredType()} is recorded for customer ${order.customerTenantId} by partner ` +
        `${order.partnerId} (G-02). ${this.howToConfirm()}`,
      null,
    );
  }

  noRelationship(): Decision {
    const { order } = this;
    const via = order.resellerPartnerId
      ? ` nor between its reseller of record ${order.resellerPartnerId} (linked to it with POST /v1/indirect-resellers)`
      : '';
    return this.blocked(
      'NoResellerRelationship',
      `There is no active reseller relationship between partner ${order.partnerId}${via} and customer ` +
        `${order.customerTenantId} (G-07). Create the customer with POST /v1/customers, or send it an invitation from ` +
        `GET /v1/customers/relationshiprequests and have it accepted, then confirm the customer's acceptance of the ` +
        `${this.requiredType()} and place the order again.`,
      null,
    );
  }

  approved(reason: ApprovedReason, message: string): Decision {
    return { outcome: 'Approved', reason, message, evidence: NO_EVIDENCE, policyVersion: this.policy.id };
  }

  private blocked(reason: BlockedReason, message: string, fact: AcceptanceFact | null): Decision {
    return {
      outcome: 'Blocked',
      reason,
      message,
      evidence: fact ? evidenceOf(fact) : NO_EVIDENCE,
      policyVersion: this.policy.id,
    };
  }

  /** Before any period (before attestation existed) every type counts; the order passes by T-04 anyway. */
  private period0Types(): AgreementType[] {
    return this.policy.agreementPeriods[0].satisfiedBy;
  }

  private requiredType(): AgreementType {
    return this.period?.required ?? this.policy.agreementPeriods[0].required;
  }

  /** A withdrawn attestation of a satisfying type that no later acceptance of a satisfying type replaced. */
  private withdrawal(
    satisfying: AgreementType[],
    usable: readonly AcceptanceFact[],
  ): AcceptanceFact | undefined {
    const withdrawn = this.view.acceptances
      .filter((a) => a.withdrawnAt && satisfying.includes(a.agreementType))
      .sort((a, b) => at(b.withdrawnAt!) - at(a.withdrawnAt!))[0];
    if (!withdrawn) return undefined;
    const replaced = usable.some(
      (a) => satisfying.includes(a.agreementType) && at(a.dateAgreed) > at(withdrawn.withdrawnAt!),
    );
    return replaced ? undefined : withdrawn;
  }

  private reacceptanceEntryFor(fact: AcceptanceFact) {
    return this.policy.reacceptance.find(
      (e) =>
        e.enabled &&
        e.agreementTypes.includes(fact.agreementType) &&
        (e.kinds === undefined || e.kinds.includes(this.order.kind)) &&
        at(e.from) <= this.requestedAt &&
        at(fact.dateAgreed) < at(e.acceptedBefore),
    );
  }

  /** T-08: the retirement entry in force at the order's time, if any is switched on. */
  private retirementInForce(): LegacyRetirementEntry | undefined {
    return this.policy.legacyRetirement.find((e) => e.enabled && at(e.from) <= this.requestedAt);
  }

  /**
   * T-08: the entry that retires this fact: a partner's legacy attestation (source Legacy or not said) recorded on
   * or after the cut-off (when this system recorded it, not its dateAgreed). Enhanced and direct acceptances count.
   */
  private retirementFor(fact: AcceptanceFact): LegacyRetirementEntry | undefined {
    if (fact.source !== 'PartnerAttestation' || fact.attestationSource === 'Enhanced' || !fact.recordedAt)
      return undefined;
    const entry = this.retirementInForce();
    return entry && at(fact.recordedAt) >= at(entry.from) ? entry : undefined;
  }

  /** The newest template of a type published by the order's time (G-09). */
  latestTemplate(type: AgreementType): TemplateInfo | undefined {
    return this.view.templates
      .filter((t) => t.agreementType === type && at(t.publishedAt) <= this.requestedAt)
      .sort((a, b) => b.versionRank - a.versionRank)[0];
  }

  private isOnLatestTemplate(fact: AcceptanceFact): boolean {
    const latest = this.latestTemplate(fact.agreementType);
    if (!latest) return true;
    const own = this.view.templates.find((t) => t.templateId === fact.templateId);
    return own !== undefined && own.versionRank >= latest.versionRank;
  }

  /** What to do, with the endpoint: who confirms which agreement, and how. */
  private howToConfirm(type: AgreementType = this.requiredType()): string {
    const { order } = this;
    const latest = this.latestTemplate(type);
    const template = latest ? ` with templateId ${latest.templateId} (${latest.agreementLink})` : '';
    const who = order.resellerPartnerId
      ? `The indirect provider ${order.partnerId}, not the reseller of record, confirms it (D-07)`
      : `Confirm it`;
    const direct =
      type === 'MicrosoftCustomerAgreement'
        ? `, or have the customer accept it directly (POST /v1/customers/${order.customerTenantId}/agreements/direct, ` +
          `or through an invitation from GET /v1/customers/relationshiprequests)`
        : '';
    if (this.retirementInForce())
      return (
        `${who} through the enhanced flow (the legacy attestation is retired, T-08): start an enhanced attestation ` +
        `(POST /v1/attestations/enhanced), have the customer's signatory accept it at its link, then finalize it: ` +
        `POST /v1/customers/${order.customerTenantId}/agreements with type ${type}${template} and its attestationId` +
        `${direct}; then place the order again.`
      );
    return (
      `${who}: POST /v1/customers/${order.customerTenantId}/agreements with type ${type}${template}${direct}; ` +
      `then place the order again.`
    );
  }
}

function describeSource(fact: AcceptanceFact): string {
  return fact.source === 'CustomerDirect' ? "the customer's direct acceptance" : "the partner's attestation";
}

/** The required type first, then the newest agreement; a partner's own attestation before a direct one on a tie. */
function best(
  facts: readonly AcceptanceFact[],
  preferred: AgreementType | undefined,
): AcceptanceFact | undefined {
  return [...facts].sort(
    (a, b) =>
      Number(b.agreementType === preferred) - Number(a.agreementType === preferred) ||
      at(b.dateAgreed) - at(a.dateAgreed) ||
      Number(a.source === 'CustomerDirect') - Number(b.source === 'CustomerDirect'),
  )[0];
}

function evidenceOf(fact: AcceptanceFact): DecisionEvidence {
  return {
    acceptanceSource: fact.source,
    agreementType: fact.agreementType,
    templateId: fact.templateId,
    dateAgreed: fact.dateAgreed,
    acceptanceEventId: fact.eventId,
    enhancedAttestationId: fact.enhancedAttestationId ?? null,
  };
}
