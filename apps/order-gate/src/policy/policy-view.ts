import { AgreementPeriod, Policy, PolicySource } from './policy';

/** One dated entry of the timeline as GET /v1/policy shows it: when, what it does, whether it is on, and why. */
export interface PolicyEntryView {
  id: string;
  /** The rule of docs/domain.md it implements. */
  rule: string;
  from: string;
  /** When the next entry of the same kind replaces it (agreement periods), else null. */
  until: string | null;
  does: string;
  enabled: boolean;
  note: string | null;
  sources: PolicySource[];
}

export interface PolicyView {
  policyVersion: string;
  description: string | null;
  entries: PolicyEntryView[];
  /** The first switched-on entry that takes effect after `now`: what GET /v1/compliance/at-risk?asOf= looks ahead to. */
  nextEntry: { id: string; rule: string; from: string } | null;
  settings: {
    latestTemplateRequiredFor: string[];
    withdrawalBlocksAutoRenewal: boolean;
    requireResellerRelationship: boolean;
  };
}

const list = (items: readonly string[]) => items.join(', ');

function periodRule(period: AgreementPeriod, index: number): string {
  if (index === 0) return 'T-01';
  return period.satisfiedBy.length > 1 ? 'T-05' : 'T-06';
}

/** The policy in force, as data a partner or an auditor reads (T-01..T-08). Pure. */
export function describePolicy(policy: Policy, now: Date): PolicyView {
  const entries: PolicyEntryView[] = [
    {
      id: 'attestation-available',
      rule: 'T-01',
      from: policy.attestationAvailableFrom,
      until: null,
      does: "Partner attestation of the customer's acceptance becomes available (optional until its channel's enforcement date).",
      enabled: true,
      note: null,
      sources: policy.enforcementSources ?? [],
    },
    ...Object.entries(policy.enforcementFrom).map(([channel, from]): PolicyEntryView => ({
      id: `enforcement-${channel}`,
      rule: channel === 'Dashboard' ? 'T-02' : 'T-03',
      from,
      until: null,
      does:
        `Gated orders placed through the ${channel} channel without acceptance are blocked; before this date ` +
        `they pass with EnforcementNotYetEffective and a warning (T-04).`,
      enabled: true,
      note: null,
      sources: policy.enforcementSources ?? [],
    })),
    ...policy.agreementPeriods.map((period, i): PolicyEntryView => ({
      id: `agreement-period-${period.from.slice(0, 10)}`,
      rule: periodRule(period, i),
      from: period.from,
      until: policy.agreementPeriods[i + 1]?.from ?? null,
      does: `Orders require the ${period.required}; satisfied by: ${list(period.satisfiedBy)}.`,
      enabled: true,
      note: null,
      sources: period.sources ?? [],
    })),
    ...policy.reacceptance.map((entry): PolicyEntryView => ({
      id: entry.id,
      rule: entry.rule ?? 'T-07',
      from: entry.from,
      until: null,
      does:
        `${list(entry.agreementTypes)} acceptances dated before ${entry.acceptedBefore} no longer satisfy ` +
        `${entry.kinds ? list(entry.kinds) : 'any gated'} orders (blocked with ReacceptanceRequired): the ` +
        `customer must accept again.`,
      enabled: entry.enabled,
      note: entry.note ?? null,
      sources: entry.sources ?? [],
    })),
    ...policy.legacyRetirement.map((entry): PolicyEntryView => ({
      id: entry.id,
      rule: entry.rule ?? 'T-08',
      from: entry.from,
      until: null,
      does:
        'A legacy partner attestation recorded on or after this date is kept but does not satisfy the gate ' +
        '(blocked with LegacyAttestationRetired): only an enhanced attestation (POST /v1/attestations/enhanced) or ' +
        "the customer's direct acceptance counts; legacy attestations recorded before keep counting.",
      enabled: entry.enabled,
      note: entry.note ?? null,
      sources: entry.sources ?? [],
    })),
  ].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  const next = entries.find((e) => e.enabled && Date.parse(e.from) > now.getTime());
  return {
    policyVersion: policy.id,
    description: policy.description ?? null,
    entries,
    nextEntry: next ? { id: next.id, rule: next.rule, from: next.from } : null,
    settings: {
      latestTemplateRequiredFor: [...policy.latestTemplateRequiredFor],
      withdrawalBlocksAutoRenewal: policy.withdrawalBlocksAutoRenewal,
      requireResellerRelationship: policy.requireResellerRelationship,
    },
  };
}
