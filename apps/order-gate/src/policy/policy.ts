import { AGREEMENT_TYPES, AgreementType, Channel, CHANNELS, ORDER_KINDS, OrderKind } from '@app/contracts';

/** Which agreement types satisfy the gate from a date on (T-01, T-05, T-06). */
export interface AgreementPeriod {
  from: string;
  sources?: PolicySource[];
  /** The type a partner is told to confirm. */
  required: AgreementType;
  satisfiedBy: AgreementType[];
}

/** Where an entry's dates come from (docs/reference), shown by GET /v1/policy. */
export interface PolicySource {
  title: string;
  /** A public address, when the source has one. */
  url?: string;
  /** A file of docs/reference (e.g. "004"), when the source is one. */
  reference?: string;
  note?: string;
}

/** "Acceptances dated before `acceptedBefore` no longer satisfy the gate from `from`" (T-07). */
export interface ReacceptanceEntry {
  id: string;
  /** The rule it implements (docs/domain.md), e.g. T-07. */
  rule?: string;
  enabled: boolean;
  agreementTypes: AgreementType[];
  /** The order kinds it gates; absent, every gated kind. */
  kinds?: OrderKind[];
  acceptedBefore: string;
  from: string;
  note?: string;
  sources?: PolicySource[];
}

/**
 * T-08: from `from`, a legacy partner attestation (the plain POST .../agreements, `attestationSource` Legacy or
 * absent) recorded on or after `from` is kept but does not satisfy the gate; one recorded before keeps counting.
 */
export interface LegacyRetirementEntry {
  id: string;
  rule?: string;
  enabled: boolean;
  from: string;
  note?: string;
  sources?: PolicySource[];
}

/** The policy timeline as data: a new entry or switch value is a new `id`, never a code change. */
export interface Policy {
  id: string;
  description?: string;
  attestationAvailableFrom: string;
  /** Per channel, the first instant orders without acceptance are blocked (T-02, T-03, T-04). */
  enforcementFrom: Record<Channel, string>;
  agreementPeriods: AgreementPeriod[];
  reacceptance: ReacceptanceEntry[];
  /** T-08; absent in a policy file, none. */
  legacyRetirement: LegacyRetirementEntry[];
  /** Where the attestation and enforcement dates come from (T-01..T-03). */
  enforcementSources?: PolicySource[];
  /** G-04: the kinds that need the latest template of the required type; the others accept any. */
  latestTemplateRequiredFor: OrderKind[];
  /** G-05: a withdrawn acceptance blocks auto-renewals too. */
  withdrawalBlocksAutoRenewal: boolean;
  /** G-07: no active reseller relationship blocks the order. */
  requireResellerRelationship: boolean;
}

export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid order-gate policy (${source}): ${problems.join('; ')}`);
    this.name = 'PolicyError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInstant = (v: unknown): v is string =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));
const isKindList = (v: unknown): v is OrderKind[] =>
  Array.isArray(v) && v.length > 0 && v.every((k) => (ORDER_KINDS as readonly unknown[]).includes(k));
const isSourceList = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.every(
    (s) =>
      isObject(s) &&
      typeof s.title === 'string' &&
      s.title !== '' &&
      ['undefined', 'string'].includes(typeof s.url),
  );
const isTypeList = (v: unknown): v is AgreementType[] =>
  Array.isArray(v) && v.length > 0 && v.every((t) => (AGREEMENT_TYPES as readonly unknown[]).includes(t));

/** Checks a parsed policy document; every problem is named, so one start lists them all. */
export function validatePolicy(raw: unknown, source = 'policy'): Policy {
  const problems: string[] = [];
  const p = (text: string) => problems.push(text);
  if (!isObject(raw)) throw new PolicyError(source, ['the policy must be a JSON object']);
  if (typeof raw.id !== 'string' || raw.id.trim() === '') p('id must be a non-empty string');
  if (!isInstant(raw.attestationAvailableFrom)) p('attestationAvailableFrom must be an ISO date-time');
  if (!isObject(raw.enforcementFrom)) p('enforcementFrom must be an object with a date-time per channel');
  else
    for (const channel of CHANNELS)
      if (!isInstant(raw.enforcementFrom[channel])) p(`enforcementFrom.${channel} must be an ISO date-time`);
  if (!Array.isArray(raw.agreementPeriods) || raw.agreementPeriods.length === 0)
    p('agreementPeriods must be a non-empty list');
  else {
    raw.agreementPeriods.forEach((period: unknown, i: number) => {
      if (!isObject(period)) return p(`agreementPeriods[${i}] must be an object`);
      if (!isInstant(period.from)) p(`agreementPeriods[${i}].from must be an ISO date-time`);
      if (!(AGREEMENT_TYPES as readonly unknown[]).includes(period.required))
        p(`agreementPeriods[${i}].required must be one of ${AGREEMENT_TYPES.join(', ')}`);
      if (!isTypeList(period.satisfiedBy))
        p(`agreementPeriods[${i}].satisfiedBy must be a non-empty list of agreement types`);
      else if (!period.satisfiedBy.includes(period.required as AgreementType))
        p(`agreementPeriods[${i}].satisfiedBy must include the required type`);
    });
    const starts = (raw.agreementPeriods as Array<{ from?: unknown }>).map((x) =>
      Date.parse(String(x?.from)),
    );
    if (starts.some((s, i) => i > 0 && !(s > starts[i - 1])))
      p('agreementPeriods must be in increasing order of "from"');
  }
  if (!Array.isArray(raw.reacceptance)) p('reacceptance must be a list (possibly empty)');
  else
    raw.reacceptance.forEach((entry: unknown, i: number) => {
      if (!isObject(entry)) return p(`reacceptance[${i}] must be an object`);
      if (typeof entry.id !== 'string' || entry.id === '') p(`reacceptance[${i}].id must be a string`);
      if (typeof entry.enabled !== 'boolean') p(`reacceptance[${i}].enabled must be true or false`);
      if (!isTypeList(entry.agreementTypes))
        p(`reacceptance[${i}].agreementTypes must be a non-empty list of agreement types`);
      if (!isInstant(entry.acceptedBefore)) p(`reacceptance[${i}].acceptedBefore must be an ISO date-time`);
      if (!isInstant(entry.from)) p(`reacceptance[${i}].from must be an ISO date-time`);
      if (entry.kinds !== undefined && !isKindList(entry.kinds))
        p(`reacceptance[${i}].kinds must be a non-empty list of order kinds (${ORDER_KINDS.join(', ')})`);
      if (entry.sources !== undefined && !isSourceList(entry.sources))
        p(`reacceptance[${i}].sources must be a list of { title, url? }`);
    });
  if (raw.legacyRetirement !== undefined && !Array.isArray(raw.legacyRetirement))
    p('legacyRetirement must be a list (possibly empty)');
  else
    ((raw.legacyRetirement as unknown[] | undefined) ?? []).forEach((entry: unknown, i: number) => {
      if (!isObject(entry)) return p(`legacyRetirement[${i}] must be an object`);
      if (typeof entry.id !== 'string' || entry.id === '') p(`legacyRetirement[${i}].id must be a string`);
      if (typeof entry.enabled !== 'boolean') p(`legacyRetirement[${i}].enabled must be true or false`);
      if (!isInstant(entry.from)) p(`legacyRetirement[${i}].from must be an ISO date-time`);
      if (entry.sources !== undefined && !isSourceList(entry.sources))
        p(`legacyRetirement[${i}].sources must be a list of { title, url? }`);
    });
  if (raw.enforcementSources !== undefined && !isSourceList(raw.enforcementSources))
    p('enforcementSources must be a list of { title, url? }');
  if (
    !Array.isArray(raw.latestTemplateRequiredFor) ||
    !raw.latestTemplateRequiredFor.every((k) => (ORDER_KINDS as readonly unknown[]).includes(k))
  )
    p(`latestTemplateRequiredFor must be a list of order kinds (${ORDER_KINDS.join(', ')})`);
  if (typeof raw.withdrawalBlocksAutoRenewal !== 'boolean')
    p('withdrawalBlocksAutoRenewal must be true or false');
  if (typeof raw.requireResellerRelationship !== 'boolean')
    p('requireResellerRelationship must be true or false');
  if (problems.length > 0) throw new PolicyError(source, problems);
  return { ...raw, legacyRetirement: raw.legacyRetirement ?? [] } as unknown as Policy;
}
