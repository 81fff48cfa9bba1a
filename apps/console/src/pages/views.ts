/*
 * What the pages show, built from the services' answers: pure functions, tested with fixture data
 * (views.spec.ts). No rule of the gate is repeated here: outcomes and reasons are the services'.
 */

/** An event of the audit log as GET /v1/audit/events answers it (the fields the pages use). */
export interface LogEvent {
  sequence: number;
  eventType: string | null;
  occurredAt: string | null;
  receivedAt?: string;
  partnerId: string | null;
  customerTenantId: string | null;
  orderId: string | null;
  envelope: { data?: Record<string, unknown> } | null;
  hash?: string;
}

export interface AcceptanceFact {
  source: string;
  agreementType: string;
  templateId: string;
  dateAgreed: string;
  withdrawnAt?: string | null;
  attestationSource?: string | null;
}

export interface Decision {
  outcome: 'Approved' | 'Blocked' | string;
  reason: string;
  message: string;
  policyVersion?: string;
}

/** GET /v1/customers/{id}/acceptance of the order-gate. */
export interface AcceptanceStatus {
  customerTenantId: string;
  relationshipActive: unknown;
  acceptances: AcceptanceFact[];
  nextNewPurchase: Decision;
  policyVersion: string;
}

/** One item of GET /v1/compliance/at-risk. */
export interface AtRiskItem {
  customerTenantId: string;
  reason: string;
  whatToDo: string;
}

export interface CustomerRow {
  customerTenantId: string;
  relationshipActive: boolean;
  acceptances: { agreementType: string; status: string }[];
  atRisk: boolean;
  reason: string;
  whatToDo: string;
}

export interface CustomerFilters {
  status: '' | 'at-risk' | 'ok';
  q: string;
}

export function readCustomerFilters(query: Record<string, unknown>): CustomerFilters {
  const status = query.status === 'at-risk' || query.status === 'ok' ? query.status : '';
  const q = typeof query.q === 'string' ? query.q.trim().slice(0, 100) : '';
  return { status, q };
}

const day = (iso: string) => iso.slice(0, 10);

function acceptanceStatus(fact: AcceptanceFact): string {
  const how = fact.source === 'CustomerDirect' ? 'accepted by the customer' : 'attested';
  if (fact.withdrawnAt) return `withdrawn ${day(fact.withdrawnAt)}`;
  return `${how} ${day(fact.dateAgreed)}${fact.attestationSource === 'Enhanced' ? ' (enhanced)' : ''}`;
}

/**
 * The customers page's rows: one per customer the gate knows for the partner, its acceptance per agreement
 * type, and the next new purchase's outcome; at risk when the gate's at-risk report names it.
 */
export function customerRows(
  statuses: readonly AcceptanceStatus[],
  atRisk: readonly AtRiskItem[],
  filters: CustomerFilters,
): CustomerRow[] {
  const risky = new Map(atRisk.map((item) => [item.customerTenantId, item]));
  return statuses
    .map((status): CustomerRow => {
      const risk = risky.get(status.customerTenantId);
      const blocked = !!risk || status.nextNewPurchase.outcome === 'Blocked';
      return {
        customerTenantId: status.customerTenantId,
        relationshipActive: !!status.relationshipActive,
        acceptances: status.acceptances.map((fact) => ({
          agreementType: fact.agreementType,
          status: acceptanceStatus(fact),
        })),
        atRisk: blocked,
        reason: risk?.reason ?? status.nextNewPurchase.reason,
        whatToDo: risk?.whatToDo ?? status.nextNewPurchase.message,
      };
    })
    .filter(
      (row) =>
        (filters.status === '' || (filters.status === 'at-risk') === row.atRisk) &&
        (filters.q === '' || row.customerTenantId.includes(filters.q.toLowerCase())),
    )
    .sort(
      (a, b) => Number(b.atRisk) - Number(a.atRisk) || a.customerTenantId.localeCompare(b.customerTenantId),
    );
}

export function customersCsv(rows: readonly CustomerRow[]): string {
  const cell = (value: string) => {
    // A leading =, +, - or @ would be read as a formula by a spreadsheet.
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [
    ['customerTenantId', 'relationship', 'acceptances', 'nextOrder', 'reason', 'whatToDo'],
    ...rows.map((row) => [
      row.customerTenantId,
      row.relationshipActive ? 'Active' : 'None',
      row.acceptances.map((a) => `${a.agreementType}: ${a.status}`).join('; '),
      row.atRisk ? 'Blocked' : 'Approved',
      row.reason,
      row.whatToDo,
    ]),
  ];
  return lines.map((line) => line.map(cell).join(',')).join('\r\n') + '\r\n';
}

export interface DecisionsChart {
  reasons: string[];
  days: { day: string; counts: number[] }[];
}

/** Decisions (OrderApproved, OrderBlocked) counted per day and reason over the `days` days up to `now`. */
export function decisionsChart(events: readonly LogEvent[], days: number, now: Date): DecisionsChart {
  const dayList = Array.from({ length: days }, (_, i) =>
    day(new Date(now.getTime() - (days - 1 - i) * 86_400_000).toISOString()),
  );
  const counts = new Map<string, Map<string, number>>();
  for (const event of events) {
    const reason = event.envelope?.data?.reason;
    const at = event.occurredAt ?? event.receivedAt;
    if (typeof reason !== 'string' || !at || !dayList.includes(day(at))) continue;
    const perDay = counts.get(reason) ?? new Map<string, number>();
    perDay.set(day(at), (perDay.get(day(at)) ?? 0) + 1);
    counts.set(reason, perDay);
  }
  const reasons = [...counts.keys()].sort();
  return {
    reasons,
    days: dayList.map((d) => ({ day: d, counts: reasons.map((r) => counts.get(r)?.get(d) ?? 0) })),
  };
}

export interface TimelineEntry {
  at: string;
  eventType: string;
  summary: string;
}

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

/** One line about an event, from its data: what a person scanning a timeline needs, never contact data. */
export function summaryOf(event: LogEvent): string {
  const data = event.envelope?.data ?? {};
  switch (event.eventType) {
    case 'OrderApproved':
    case 'OrderBlocked':
      return `order ${text(data.orderId)} (${text(data.kind)}): ${text(data.reason)}`;
    case 'OrderRequested':
      return `order ${text(data.orderId)} (${text(data.kind)})`;
    case 'AgreementAttested':
      return `${text(data.agreementType)}, agreed ${day(text(data.dateAgreed))}${data.attestationSource === 'Enhanced' ? ', enhanced' : ''}`;
    case 'AgreementAttestationWithdrawn':
      return `${text(data.agreementType)}: ${text(data.reason)}`;
    case 'CustomerAgreementAccepted':
      return `${text(data.agreementType)} accepted by the customer`;
    case 'EnhancedAttestationStarted':
      return `expires ${day(text(data.expiresAt))}`;
    case 'ResellerRelationshipAccepted':
    case 'ResellerRelationshipTerminated':
    case 'CustomerTenantCreated':
      return `partner ${text(data.partnerId)}`;
    default:
      return '';
  }
}

export function timelineOf(events: readonly LogEvent[]): TimelineEntry[] {
  return events
    .filter((event) => event.eventType)
    .map((event) => ({
      at: event.occurredAt ?? event.receivedAt ?? '',
      eventType: event.eventType!,
      summary: summaryOf(event),
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** The log page's filters, as typed; `from`/`to` are datetime-local values read as UTC. */
export interface LogFilters {
  partnerId: string;
  customerTenantId: string;
  orderId: string;
  eventType: string;
  from: string;
  to: string;
}

const LOG_FILTER_NAMES: (keyof LogFilters)[] = [
  'partnerId',
  'customerTenantId',
  'orderId',
  'eventType',
  'from',
  'to',
];

export function readLogFilters(query: Record<string, unknown>): LogFilters {
  const value = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).trim() : '');
  return Object.fromEntries(
    LOG_FILTER_NAMES.map((name) => [name, value(name).slice(0, 200)]),
  ) as unknown as LogFilters;
}

/** A datetime-local value (no zone) as the UTC instant the audit API takes. */
export function utcInstant(local: string): string | undefined {
  if (!local) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)
    ? `${local}${local.length === 16 ? ':00' : ''}Z`
    : local;
}

/** The audit API's query for the filters (empty ones left out). */
export function auditQuery(filters: LogFilters): Record<string, string | undefined> {
  return {
    partnerId: filters.partnerId || undefined,
    customerTenantId: filters.customerTenantId || undefined,
    orderId: filters.orderId || undefined,
    eventType: filters.eventType || undefined,
    from: utcInstant(filters.from),
    to: utcInstant(filters.to),
  };
}

/** The filters as a query string for the console's own links (pages, exports). */
export function filterQueryString(filters: LogFilters): string {
  const params = new URLSearchParams();
  for (const name of LOG_FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  return params.toString();
}

export const EVENT_TYPES = [
  'OrderRequested',
  'OrderApproved',
  'OrderBlocked',
  'AgreementAttested',
  'AgreementAttestationWithdrawn',
  'CustomerAgreementAccepted',
  'AgreementTemplatePublished',
  'EnhancedAttestationStarted',
  'EnhancedAttestationAccepted',
  'EnhancedAttestationCancelled',
  'EnhancedAttestationExpired',
  'PartnerRegistered',
  'CustomerTenantCreated',
  'ResellerRelationshipRequested',
  'ResellerRelationshipAccepted',
  'ResellerRelationshipTerminated',
  'IndirectResellerLinked',
];

export const ORDER_KINDS = [
  'NewPurchase',
  'SeatChange',
  'Upgrade',
  'TermChange',
  'ManualRenewal',
  'AutoRenewal',
  'Cancellation',
];
