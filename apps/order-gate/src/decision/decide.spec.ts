import { randomUUID } from 'crypto';
import {
  APPROVED_REASONS,
  BLOCKED_REASONS,
  Channel,
  DecisionReason,
  ORDER_KINDS,
  OrderKind,
  OrderRequestedV1,
} from '@app/contracts';
import { Policy } from '../policy/policy';
import { DEFAULT_POLICY } from '../policy/policy-loader';
import { AcceptanceFact, GateView, TemplateInfo } from '../projection/read-model';
import { decide, Decision, NO_EVIDENCE } from './decide';

const MCA = 'MicrosoftCustomerAgreement' as const;
const CA = 'MicrosoftCloudAgreement' as const;
const MCA_V1 = '117a77b0-9360-443b-8795-c6dedc750cf9';
const MCA_V2 = '22222222-9360-443b-8795-c6dedc750cf9';
const CA_V1 = '998b88de-aa99-4388-a42c-1b3517d49490';
const PARTNER = '11111111-1111-4111-8111-111111111111';
const RESELLER = '33333333-3333-4333-8333-333333333333';
const CUSTOMER = '44444444-4444-4444-8444-444444444444';

const CATALOG: TemplateInfo[] = [
  {
    templateId: CA_V1,
    agreementType: CA,
    versionRank: 1,
    agreementLink: 'https://aka.ms/cloudagreement',
    publishedAt: '2018-08-07T00:00:00Z',
  },
  {
    templateId: MCA_V1,
    agreementType: MCA,
    versionRank: 1,
    agreementLink: 'https://aka.ms/customeragreement',
    publishedAt: '2019-10-01T00:00:00Z',
  },
];
const CATALOG_WITH_V2: TemplateInfo[] = [
  ...CATALOG,
  {
    templateId: MCA_V2,
    agreementType: MCA,
    versionRank: 2,
    agreementLink: 'https://aka.ms/customeragreement',
    publishedAt: '2023-04-01T00:00:00Z',
  },
];

/** T-07: the shipped re-acceptance entry switched off (a policy file may). */
const REFRESH_OFF: Policy = {
  ...DEFAULT_POLICY,
  id: 'test-refresh-off',
  reacceptance: DEFAULT_POLICY.reacceptance.map((e) => ({ ...e, enabled: false })),
};

/** T-08: the shipped legacy-retirement entry switched on, as an operator's policy file does. */
const RETIREMENT_ON: Policy = {
  ...DEFAULT_POLICY,
  id: 'test-legacy-retired',
  legacyRetirement: DEFAULT_POLICY.legacyRetirement.map((e) => ({ ...e, enabled: true })),
};
const CUT_OFF = '2026-01-05T00:00:00.000Z';
const ENHANCED_ID = '55555555-5555-4555-8555-555555555555';

const DEFAULT_AT = '2026-11-21T10:00:00.000Z';

function givenOrder(
  kind: OrderKind,
  requestedAt = DEFAULT_AT,
  more: Partial<OrderRequestedV1> = {},
): OrderRequestedV1 {
  return {
    orderId: `order-${randomUUID()}`,
    partnerId: PARTNER,
    customerTenantId: CUSTOMER,
    kind,
    channel: 'Api',
    requestedAt,
    subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
    lineItems: [{ offerId: 'offer-1', quantity: 1 }],
    ...more,
  };
}

function attested(type: typeof MCA | typeof CA = MCA, more: Partial<AcceptanceFact> = {}): AcceptanceFact {
  return {
    source: 'PartnerAttestation',
    agreementType: type,
    templateId: type === MCA ? MCA_V1 : CA_V1,
    dateAgreed: type === MCA ? '2024-01-01T00:00:00.000Z' : '2018-09-01T00:00:00.000Z',
    eventId: randomUUID(),
    ...more,
  };
}

function direct(more: Partial<AcceptanceFact> = {}): AcceptanceFact {
  return { ...attested(MCA), source: 'CustomerDirect', ...more };
}

function givenView(acceptances: AcceptanceFact[] = [], more: Partial<GateView> = {}): GateView {
  return {
    customerCloud: 'Public',
    relationship: { partner: true, reseller: false, resellerLinked: false },
    acceptances,
    templates: CATALOG,
    ...more,
  };
}

const NO_RELATIONSHIP = { partner: false, reseller: false, resellerLinked: false };
const GATED: OrderKind[] = ['NewPurchase', 'SeatChange', 'Upgrade', 'TermChange', 'ManualRenewal'];

interface Row {
  rule: string;
  given: string;
  view: GateView;
  kind: OrderKind;
  requestedAt?: string;
  channel?: Channel;
  reseller?: boolean;
  policy?: Policy;
  expect: DecisionReason;
  /** The acceptance the decision must cite: an index into `view.acceptances`, or null for none. */
  evidence: number | null;
}

/** What a decision must cite for the acceptance it relied on (G-09). */
const evidenceOf = (fact: AcceptanceFact) => ({
  acceptanceSource: fact.source,
  agreementType: fact.agreementType,
  templateId: fact.templateId,
  dateAgreed: fact.dateAgreed,
  acceptanceEventId: fact.eventId,
  enhancedAttestationId: fact.enhancedAttestationId ?? null,
});

const at = (instant: string) => Date.parse(instant);

/** The type the timeline requires at the order's time (T-01, T-05, T-06). */
function requiredType(policy: Policy, requestedAt: string) {
  const periods = policy.agreementPeriods.filter((p) => at(p.from) <= at(requestedAt));
  return (periods[periods.length - 1] ?? policy.agreementPeriods[0]).required;
}

/** The way to confirm an agreement of the type, with its newest template published by the order's time (G-08). */
function howToConfirm(row: Row, policy: Policy, type = requiredType(policy, row.requestedAt ?? DEFAULT_AT)) {
  const requestedAt = row.requestedAt ?? DEFAULT_AT;
  const latest = row.view.templates
    .filter((t) => t.agreementType === type && at(t.publishedAt) <= at(requestedAt))
    .sort((a, b) => b.versionRank - a.versionRank)[0];
  return [
    `POST /v1/customers/${CUSTOMER}/agreements with type ${type}${latest ? ` with templateId ${latest.templateId}` : ''}`,
    ...(type === MCA ? [`POST /v1/customers/${CUSTOMER}/agreements/direct`] : []),
    ...(row.reseller ? [`The indirect provider ${PARTNER}, not the reseller of record`] : []),
  ];
}

/** G-08: what each reason's message must name: the agreement and the endpoint that remedy a block, or why it passed. */
function remedyOf(row: Row, policy: Policy, decision: Decision): string[] {
  const reason = decision.reason as DecisionReason;
  switch (reason) {
    case 'AcceptanceConfirmed':
      return [`template ${decision.evidence.templateId}`, `for this ${row.kind}`];
    case 'AutoRenewalExempt':
    case 'CancellationExempt':
      return ['never blocked', 'G-03'];
    case 'NationalCloudExempt':
      return [`${row.view.customerCloud} national cloud`, 'G-06'];
    case 'EnforcementNotYetEffective':
      return [
        `before ${policy.enforcementFrom[row.channel ?? 'Api']}`,
        'would be blocked',
        ...howToConfirm(row, policy),
      ];
    case 'AcceptanceMissing':
    case 'AgreementTypeSuperseded':
      return howToConfirm(row, policy);
    case 'AcceptanceWithdrawn':
      return ["cancel the customer's subscriptions", ...howToConfirm(row, policy)];
    case 'TemplateOutdated':
      return [`the latest is ${MCA_V2}`, ...howToConfirm(row, policy, MCA)];
    case 'ReacceptanceRequired':
      return [policy.reacceptance[0].id, 'must accept again', ...howToConfirm(row, policy, MCA)];
    case 'LegacyAttestationRetired':
      return [
        policy.legacyRetirement[0].id,
        'T-08',
        'POST /v1/attestations/enhanced',
        `POST /v1/customers/${CUSTOMER}/agreements/direct`,
      ];
    case 'NoResellerRelationship':
      return [
        'POST /v1/customers',
        'GET /v1/customers/relationshiprequests',
        ...(row.reseller ? [`reseller of record ${RESELLER}`, 'POST /v1/indirect-resellers'] : []),
      ];
    default:
      throw new Error(`no remedy known for ${reason}`);
  }
}

const withdrawn = attested(MCA, { withdrawnAt: '2025-06-01T00:00:00.000Z' });

const rows: Row[] = [
  // G-01, G-02: the gated kinds need acceptance; each is approved on one
  ...GATED.map((kind): Row => ({
    rule: 'G-01, G-02',
    given: 'no acceptance',
    view: givenView(),
    kind,
    expect: 'AcceptanceMissing',
    evidence: null,
  })),
  ...GATED.map((kind): Row => ({
    rule: 'G-01, G-02',
    given: 'an attested Customer Agreement',
    view: givenView([attested()]),
    kind,
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  })),
  // G-03: auto-renewals and cancellations pass without acceptance
  {
    rule: 'G-03',
    given: 'no acceptance',
    view: givenView(),
    kind: 'AutoRenewal',
    expect: 'AutoRenewalExempt',
    evidence: null,
  },
  {
    rule: 'G-03',
    given: 'no acceptance',
    view: givenView(),
    kind: 'Cancellation',
    expect: 'CancellationExempt',
    evidence: null,
  },
  {
    rule: 'G-03',
    given: 'no relationship either',
    view: givenView([], { relationship: NO_RELATIONSHIP }),
    kind: 'Cancellation',
    expect: 'CancellationExempt',
    evidence: null,
  },
  // G-04: manual renewals need the latest template; NewPurchase and SeatChange accept any
  {
    rule: 'G-04',
    given: 'an attestation of an older MCA template',
    view: givenView([attested()], { templates: CATALOG_WITH_V2 }),
    kind: 'ManualRenewal',
    expect: 'TemplateOutdated',
    evidence: 0,
  },
  {
    rule: 'G-04',
    given: 'an attestation of the latest MCA template',
    view: givenView([attested(MCA, { templateId: MCA_V2 })], { templates: CATALOG_WITH_V2 }),
    kind: 'ManualRenewal',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'G-04',
    given: 'an older template, before the newer one was published',
    view: givenView([attested()], { templates: CATALOG_WITH_V2 }),
    kind: 'ManualRenewal',
    requestedAt: '2023-03-31T23:59:59.999Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'G-04',
    given: 'an older MCA template',
    view: givenView([attested()], { templates: CATALOG_WITH_V2 }),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'G-04',
    given: 'an older MCA template',
    view: givenView([attested()], { templates: CATALOG_WITH_V2 }),
    kind: 'SeatChange',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'G-04 (configurable)',
    given: 'an older template, the switch emptied',
    view: givenView([attested()], { templates: CATALOG_WITH_V2 }),
    kind: 'ManualRenewal',
    policy: { ...DEFAULT_POLICY, latestTemplateRequiredFor: [] },
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  // G-05: a withdrawal blocks every kind but Cancellation
  ...(
    ['NewPurchase', 'SeatChange', 'Upgrade', 'TermChange', 'ManualRenewal', 'AutoRenewal'] as OrderKind[]
  ).map((kind): Row => ({
    rule: 'G-05, A-12',
    given: 'a withdrawn attestation',
    view: givenView([withdrawn]),
    kind,
    expect: 'AcceptanceWithdrawn',
    evidence: 0,
  })),
  {
    rule: 'G-05',
    given: 'a withdrawn attestation',
    view: givenView([withdrawn]),
    kind: 'Cancellation',
    expect: 'CancellationExempt',
    evidence: null,
  },
  {
    rule: 'G-05 (configurable)',
    given: 'a withdrawn attestation, auto-renewals let through',
    view: givenView([withdrawn]),
    kind: 'AutoRenewal',
    policy: { ...DEFAULT_POLICY, withdrawalBlocksAutoRenewal: false },
    expect: 'AutoRenewalExempt',
    evidence: null,
  },
  {
    rule: 'G-05, D-06',
    given: 'a withdrawal, then the customer accepted directly',
    view: givenView([withdrawn, direct({ dateAgreed: '2025-07-01T00:00:00.000Z' })]),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 1,
  },
  // G-06: national clouds are exempt
  ...(['UsGovernment', 'Germany', 'China21Vianet'] as const).map((cloud): Row => ({
    rule: 'G-06',
    given: `a ${cloud} customer without acceptance`,
    view: givenView([], { customerCloud: cloud }),
    kind: 'NewPurchase',
    expect: 'NationalCloudExempt',
    evidence: null,
  })),
  // G-07, D-08: no active relationship blocks
  {
    rule: 'G-07, D-08',
    given: 'an attestation but no relationship',
    view: givenView([attested()], { relationship: NO_RELATIONSHIP }),
    kind: 'NewPurchase',
    expect: 'NoResellerRelationship',
    evidence: null,
  },
  {
    rule: 'G-07, D-08',
    given: 'no relationship',
    view: givenView([], { relationship: NO_RELATIONSHIP }),
    kind: 'AutoRenewal',
    expect: 'NoResellerRelationship',
    evidence: null,
  },
  {
    rule: 'G-07 (configurable)',
    given: 'an attestation, no relationship, the switch off',
    view: givenView([attested()], { relationship: NO_RELATIONSHIP }),
    kind: 'NewPurchase',
    policy: { ...DEFAULT_POLICY, requireResellerRelationship: false },
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  // D-06: a direct acceptance satisfies every partner with a relationship, no partner without one
  {
    rule: 'D-06',
    given: "the customer's direct acceptance",
    view: givenView([direct()]),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'D-06',
    given: 'a direct acceptance, no relationship, G-07 off',
    view: givenView([direct()], { relationship: NO_RELATIONSHIP }),
    kind: 'NewPurchase',
    policy: { ...DEFAULT_POLICY, requireResellerRelationship: false },
    expect: 'AcceptanceMissing',
    evidence: null,
  },
  // D-07: reseller of record
  {
    rule: 'D-07',
    given: "the provider's attestation, only the linked reseller related",
    view: givenView([attested()], { relationship: { partner: false, reseller: true, resellerLinked: true } }),
    kind: 'NewPurchase',
    reseller: true,
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'D-07',
    given: 'a reseller related but not linked to the provider',
    view: givenView([attested()], {
      relationship: { partner: false, reseller: true, resellerLinked: false },
    }),
    kind: 'NewPurchase',
    reseller: true,
    expect: 'NoResellerRelationship',
    evidence: null,
  },
  {
    rule: 'D-07',
    given: 'no provider attestation, the reseller related',
    view: givenView([], { relationship: { partner: false, reseller: true, resellerLinked: true } }),
    kind: 'NewPurchase',
    reseller: true,
    expect: 'AcceptanceMissing',
    evidence: null,
  },
  // T-01..T-04: enforcement dates per channel, the day before and the day of
  {
    rule: 'T-01, T-04',
    given: 'no acceptance, the day before attestation existed',
    view: givenView(),
    kind: 'NewPurchase',
    channel: 'Dashboard',
    requestedAt: '2018-08-06T12:00:00Z',
    expect: 'EnforcementNotYetEffective',
    evidence: null,
  },
  {
    rule: 'T-01, T-04',
    given: 'no acceptance, the day attestation became available',
    view: givenView(),
    kind: 'NewPurchase',
    channel: 'Dashboard',
    requestedAt: '2018-08-07T00:00:00Z',
    expect: 'EnforcementNotYetEffective',
    evidence: null,
  },
  {
    rule: 'T-01',
    given: 'a Cloud Agreement attestation, the day attestation became available',
    view: givenView([attested(CA, { dateAgreed: '2018-08-07T00:00:00Z' })]),
    kind: 'NewPurchase',
    channel: 'Dashboard',
    requestedAt: '2018-08-07T00:00:00Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-02, T-04',
    given: 'no acceptance, dashboard, the day before enforcement',
    view: givenView(),
    kind: 'NewPurchase',
    channel: 'Dashboard',
    requestedAt: '2018-11-06T23:59:59Z',
    expect: 'EnforcementNotYetEffective',
    evidence: null,
  },
  {
    rule: 'T-02',
    given: 'no acceptance, dashboard, the day of enforcement',
    view: givenView(),
    kind: 'NewPurchase',
    channel: 'Dashboard',
    requestedAt: '2018-11-07T00:00:00Z',
    expect: 'AcceptanceMissing',
    evidence: null,
  },
  {
    rule: 'T-03, T-04',
    given: 'no acceptance, API, the day before enforcement',
    view: givenView(),
    kind: 'SeatChange',
    channel: 'Api',
    requestedAt: '2019-03-21T12:00:00Z',
    expect: 'EnforcementNotYetEffective',
    evidence: null,
  },
  {
    rule: 'T-03',
    given: 'no acceptance, API, the day of enforcement',
    view: givenView(),
    kind: 'SeatChange',
    channel: 'Api',
    requestedAt: '2019-03-22T00:00:00Z',
    expect: 'AcceptanceMissing',
    evidence: null,
  },
  {
    rule: 'T-03, T-04',
    given: 'no acceptance, API, between the dashboard and API dates',
    view: givenView(),
    kind: 'Upgrade',
    channel: 'Api',
    requestedAt: '2018-12-01T00:00:00Z',
    expect: 'EnforcementNotYetEffective',
    evidence: null,
  },
  // T-05, T-06: transition, then supersession
  {
    rule: 'T-05',
    given: 'only a Cloud Agreement, the day before the transition',
    view: givenView([attested(CA)]),
    kind: 'NewPurchase',
    requestedAt: '2019-09-30T12:00:00Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-05',
    given: 'only a Cloud Agreement, the day the transition starts',
    view: givenView([attested(CA)]),
    kind: 'NewPurchase',
    requestedAt: '2019-10-01T00:00:00Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-05',
    given: 'only a Customer Agreement, the day the transition starts',
    view: givenView([attested(MCA, { dateAgreed: '2019-10-01T00:00:00Z' })]),
    kind: 'NewPurchase',
    requestedAt: '2019-10-01T00:00:00Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-05',
    given: 'only a Customer Agreement, the day before the transition',
    view: givenView([attested(MCA, { dateAgreed: '2019-09-01T00:00:00Z' })]),
    kind: 'NewPurchase',
    requestedAt: '2019-09-30T12:00:00Z',
    expect: 'AgreementTypeSuperseded',
    evidence: 0,
  },
  {
    rule: 'T-05',
    given: 'only a Cloud Agreement, the last day of the transition',
    view: givenView([attested(CA)]),
    kind: 'TermChange',
    requestedAt: '2020-01-31T23:59:59Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-06',
    given: 'only a Cloud Agreement, the day the Customer Agreement replaces it',
    view: givenView([attested(CA)]),
    kind: 'TermChange',
    requestedAt: '2020-02-01T00:00:00Z',
    expect: 'AgreementTypeSuperseded',
    evidence: 0,
  },
  {
    rule: 'T-06',
    given: 'both types, after the supersession',
    view: givenView([attested(CA), attested(MCA)]),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 1,
  },
  // T-07: the shipped entry: MCA acceptances dated before 2023-04-01 stop satisfying four kinds from 2025-10-07
  {
    rule: 'T-07',
    given: 'an MCA agreed before 2023-04-01, the day before the entry applies',
    view: givenView([attested(MCA, { dateAgreed: '2022-05-01T00:00:00Z' })]),
    kind: 'NewPurchase',
    requestedAt: '2025-10-06T23:59:59.999Z',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  ...(['NewPurchase', 'SeatChange', 'Upgrade', 'TermChange'] as const).map((kind): Row => ({
    rule: 'T-07',
    given: 'an MCA agreed before 2023-04-01, the day the entry applies',
    view: givenView([attested(MCA, { dateAgreed: '2022-05-01T00:00:00Z' })]),
    kind,
    requestedAt: '2025-10-07T00:00:00.000Z',
    expect: 'ReacceptanceRequired',
    evidence: 0,
  })),
  {
    rule: 'T-07',
    given: "the customer's direct acceptance dated before 2023-04-01",
    view: givenView([direct({ dateAgreed: '2023-03-31T23:59:59Z' })]),
    kind: 'SeatChange',
    expect: 'ReacceptanceRequired',
    evidence: 0,
  },
  {
    rule: 'T-07',
    given: 'an MCA agreed before 2023-04-01 (renewals are not named by the entry)',
    view: givenView([attested(MCA, { dateAgreed: '2022-05-01T00:00:00Z' })]),
    kind: 'ManualRenewal',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-07',
    given: 'an MCA agreed the day of the cut-off',
    view: givenView([attested(MCA, { dateAgreed: '2023-04-01T00:00:00Z' })]),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-07',
    given: 'a stale attestation and a newer direct acceptance',
    view: givenView([attested(MCA, { dateAgreed: '2022-05-01T00:00:00Z' }), direct()]),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 1,
  },
  {
    rule: 'T-07',
    given: 'an MCA agreed before 2023-04-01, the entry switched off in the policy data',
    view: givenView([attested(MCA, { dateAgreed: '2022-05-01T00:00:00Z' })]),
    kind: 'NewPurchase',
    policy: REFRESH_OFF,
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  // T-08: legacy attestations recorded from the cut-off stop counting when the entry is switched on
  {
    rule: 'T-08',
    given: 'a legacy attestation recorded at the cut-off, retirement on',
    view: givenView([attested(MCA, { attestationSource: 'Legacy', recordedAt: CUT_OFF })]),
    kind: 'NewPurchase',
    policy: RETIREMENT_ON,
    expect: 'LegacyAttestationRetired',
    evidence: 0,
  },
  {
    rule: 'T-08',
    given: 'an attestation that names no source, recorded after the cut-off, retirement on',
    view: givenView([attested(MCA, { recordedAt: '2026-02-01T00:00:00.000Z' })]),
    kind: 'SeatChange',
    policy: RETIREMENT_ON,
    expect: 'LegacyAttestationRetired',
    evidence: 0,
  },
  {
    rule: 'T-08',
    given:
      'a legacy attestation recorded just before the cut-off (dateAgreed is not what counts), retirement on',
    view: givenView([
      attested(MCA, {
        attestationSource: 'Legacy',
        recordedAt: '2026-01-04T23:59:59.999Z',
        dateAgreed: '2024-06-01T00:00:00Z',
      }),
    ]),
    kind: 'NewPurchase',
    policy: RETIREMENT_ON,
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-08, G-15',
    given: 'an enhanced attestation finalized after the cut-off, retirement on',
    view: givenView([
      attested(MCA, {
        attestationSource: 'Enhanced',
        enhancedAttestationId: ENHANCED_ID,
        recordedAt: '2026-02-01T00:00:00.000Z',
        dateAgreed: '2026-02-01T00:00:00.000Z',
      }),
    ]),
    kind: 'NewPurchase',
    policy: RETIREMENT_ON,
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-08, D-06',
    given: "a retired legacy attestation and the customer's direct acceptance, retirement on",
    view: givenView([attested(MCA, { recordedAt: '2026-02-01T00:00:00.000Z' }), direct()]),
    kind: 'NewPurchase',
    policy: RETIREMENT_ON,
    expect: 'AcceptanceConfirmed',
    evidence: 1,
  },
  {
    rule: 'T-08',
    given: 'no acceptance, retirement on (the remedy is the enhanced flow)',
    view: givenView(),
    kind: 'NewPurchase',
    policy: RETIREMENT_ON,
    expect: 'AcceptanceMissing',
    evidence: null,
  },
  {
    rule: 'T-08',
    given: 'a legacy attestation recorded after the cut-off, shipped policy (entry off)',
    view: givenView([attested(MCA, { attestationSource: 'Legacy', recordedAt: '2026-02-01T00:00:00.000Z' })]),
    kind: 'NewPurchase',
    expect: 'AcceptanceConfirmed',
    evidence: 0,
  },
  {
    rule: 'T-07, T-04',
    given: 'no acceptance under the shipped policy, before enforcement',
    view: givenView([]),
    kind: 'NewPurchase',
    requestedAt: '2018-01-01T00:00:00Z',
    expect: 'EnforcementNotYetEffective',
    evidence: null,
  },
];

describe('decide: every rule, kind, reason and timeline edge', () => {
  it.each(rows.map((row) => ({ ...row, requestedAt: row.requestedAt ?? DEFAULT_AT })))(
    '$rule: given $given, a $kind at $requestedAt is $expect',
    (row) => {
      const policy = row.policy ?? DEFAULT_POLICY;
      const order = givenOrder(row.kind, row.requestedAt, {
        channel: row.channel ?? 'Api',
        resellerPartnerId: row.reseller ? RESELLER : undefined,
      });
      const decision = decide(row.view, policy, order);
      expect(decision.reason).toBe(row.expect);
      expect(decision.outcome).toBe(
        (APPROVED_REASONS as readonly string[]).includes(row.expect) ? 'Approved' : 'Blocked',
      );
      expect(decision.policyVersion).toBe(policy.id);
      expect(decision.evidence).toEqual(
        row.evidence === null ? NO_EVIDENCE : evidenceOf(row.view.acceptances[row.evidence]),
      );
      for (const remedy of remedyOf(row, policy, decision)) expect(decision.message).toContain(remedy);
    },
  );

  it('the table covers every order kind and every reason code', () => {
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(ORDER_KINDS));
    // InvalidOrder is no rule of decide: it is the answer to a request that failed validation (G-14).
    const decided = BLOCKED_REASONS.filter((r) => r !== 'InvalidOrder');
    expect(new Set(rows.map((r) => r.expect))).toEqual(new Set([...APPROVED_REASONS, ...decided]));
  });

  it('G-08: a block says which agreement to confirm and by which endpoint', () => {
    const d = decide(givenView(), DEFAULT_POLICY, givenOrder('NewPurchase'));
    expect(d.message).toContain(
      `POST /v1/customers/${CUSTOMER}/agreements with type MicrosoftCustomerAgreement`,
    );
    expect(d.message).toContain(MCA_V1);
    expect(d.message).toContain(`/v1/customers/${CUSTOMER}/agreements/direct`);
    const noRel = decide(
      givenView([], { relationship: NO_RELATIONSHIP }),
      DEFAULT_POLICY,
      givenOrder('NewPurchase'),
    );
    expect(noRel.message).toContain('POST /v1/customers');
    expect(noRel.message).toContain('GET /v1/customers/relationshiprequests');
    const outdated = decide(
      givenView([attested()], { templates: CATALOG_WITH_V2 }),
      DEFAULT_POLICY,
      givenOrder('ManualRenewal'),
    );
    expect(outdated.message).toContain(MCA_V2);
  });

  it('D-07: a block on a reseller-of-record order tells the provider, not the reseller, to confirm', () => {
    const view = givenView([], { relationship: { partner: false, reseller: true, resellerLinked: true } });
    const d = decide(
      view,
      DEFAULT_POLICY,
      givenOrder('NewPurchase', undefined, { resellerPartnerId: RESELLER }),
    );
    expect(d.message).toContain(`indirect provider ${PARTNER}`);
  });

  it('T-04: the warning says the order would be blocked once enforced', () => {
    const d = decide(
      givenView(),
      DEFAULT_POLICY,
      givenOrder('NewPurchase', '2018-11-06T00:00:00Z', { channel: 'Dashboard' }),
    );
    expect(d.message).toMatch(/^Warning: .*2018-11-07.*would be blocked/);
  });

  it('G-09: the policy in force at requestedAt decides, not the time of deciding', () => {
    const view = givenView([attested(CA)]);
    expect(decide(view, DEFAULT_POLICY, givenOrder('NewPurchase', '2020-01-15T00:00:00Z')).reason).toBe(
      'AcceptanceConfirmed',
    );
    expect(decide(view, DEFAULT_POLICY, givenOrder('NewPurchase', '2020-02-15T00:00:00Z')).reason).toBe(
      'AgreementTypeSuperseded',
    );
  });

  it('G-02: relies on the newest acceptance of the required type', () => {
    const older = attested(MCA, { dateAgreed: '2024-01-01T00:00:00Z' });
    const newer = direct({ dateAgreed: '2025-01-01T00:00:00Z' });
    const d = decide(givenView([older, newer]), DEFAULT_POLICY, givenOrder('NewPurchase'));
    expect(d.evidence).toMatchObject({
      acceptanceSource: 'CustomerDirect',
      acceptanceEventId: newer.eventId,
    });
  });
});
