/* The campaign's invariants as pure functions of what the checker read (scripts/chaos/check.ts reads it):
 * the topics' messages, the journal and the audit's rows. Each answers ok and what it found. */
import { AckEntry, FaultEntry, JournalEntry, OrderEntry } from './journal';

export interface TopicMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  envelope: { eventId?: string; eventType?: string; occurredAt?: string; data?: Record<string, any> } | null;
}

export interface InvariantResult {
  name: string;
  ok: boolean;
  details: string[];
  counts: Record<string, number>;
}

const GATED = new Set(['NewPurchase', 'SeatChange', 'Upgrade', 'TermChange', 'ManualRenewal']);
const outcomeOf = (m: TopicMessage) => `${m.envelope?.eventType}/${m.envelope?.data?.reason}`;
const first = (list: string[], n = 10) => list.slice(0, n);

/** The decisions on commerce.orders.decided, by orderId. */
export function decisionsByOrder(decided: readonly TopicMessage[]): Map<string, TopicMessage[]> {
  const byOrder = new Map<string, TopicMessage[]>();
  for (const m of decided) {
    const orderId = m.envelope?.data?.orderId;
    if (typeof orderId !== 'string') continue;
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), m]);
  }
  return byOrder;
}

/** 1 (G-10): one decision outcome per requested order; duplicates of the same outcome are counted, not failed. */
export function oneOutcomePerOrder(
  requested: readonly TopicMessage[],
  decided: readonly TopicMessage[],
): InvariantResult {
  const byOrder = decisionsByOrder(decided);
  const orderIds = new Set(
    requested.map((m) => m.envelope?.data?.orderId).filter((id): id is string => typeof id === 'string'),
  );
  const contradictions: string[] = [];
  let duplicates = 0;
  for (const id of orderIds) {
    const decisions = byOrder.get(id) ?? [];
    const outcomes = new Set(decisions.map(outcomeOf));
    if (outcomes.size > 1) contradictions.push(`${id}: ${[...outcomes].join(' and ')}`);
    duplicates += Math.max(0, decisions.length - 1);
  }
  return {
    name: '1. every OrderRequested has exactly one decision outcome (G-10)',
    ok: contradictions.length === 0,
    details: first(contradictions),
    counts: {
      orders: orderIds.size,
      contradictory: contradictions.length,
      duplicateDecisionEvents: duplicates,
    },
  };
}

/** 2 (G-10, G-14): no order left undecided. */
export function noOrderUndecided(
  requested: readonly TopicMessage[],
  decided: readonly TopicMessage[],
): InvariantResult {
  const byOrder = decisionsByOrder(decided);
  const undecided = requested
    .map((m) => m.envelope?.data?.orderId)
    .filter((id): id is string => typeof id === 'string' && !byOrder.has(id));
  return {
    name: '2. no order is left undecided',
    ok: undecided.length === 0,
    details: first(undecided),
    counts: { undecided: undecided.length },
  };
}

const pair = (partnerId?: string, customerTenantId?: string) => `${partnerId}|${customerTenantId}`;

/**
 * 3 (G-11): an order sent after the acknowledgements of the facts that satisfy it (a relationship for the pair; the
 * partner's attestation or the customer's own acceptance of the current Customer Agreement, dated now), with no
 * withdrawal or termination for the pair attempted before the order was decided, is approved. Conservative: a pair
 * with any such attempt, acknowledged or not, is left out from the attempt on.
 */
export function noFalseBlock(
  journal: readonly JournalEntry[],
  decided: readonly TopicMessage[],
): InvariantResult {
  const related = new Map<string, number>();
  const partnerAccepted = new Map<string, number>();
  const customerAccepted = new Map<string, number>();
  const ended = new Map<string, number>();
  const earliest = (map: Map<string, number>, key: string, at: string) => {
    const t = Date.parse(at);
    if (!map.has(key) || t < map.get(key)!) map.set(key, t);
  };
  for (const e of journal) {
    if (e.kind === 'ack') {
      const a = e as AckEntry;
      if (a.fact === 'CustomerCreated' || a.fact === 'RelationshipAccepted')
        earliest(related, pair(a.partnerId, a.customerTenantId), a.ackAt);
      if (a.fact === 'Attested') earliest(partnerAccepted, pair(a.partnerId, a.customerTenantId), a.ackAt);
      if (a.fact === 'DirectAccepted' && a.customerTenantId)
        earliest(customerAccepted, a.customerTenantId, a.ackAt);
    }
    if (
      (e.kind === 'ack' || e.kind === 'refused' || e.kind === 'error') &&
      (e.fact === 'Withdrawn' || e.fact === 'Terminated')
    )
      earliest(ended, pair(e.partnerId, e.customerTenantId), e.sentAt);
  }
  const byOrder = decisionsByOrder(decided);
  const falseBlocks: string[] = [];
  let covered = 0;
  for (const e of journal) {
    if (e.kind !== 'order') continue;
    const o = e as OrderEntry;
    const key = pair(o.partnerId, o.customerTenantId);
    const sent = Date.parse(o.sentAt);
    const rel = related.get(key);
    const acc = Math.min(
      partnerAccepted.get(key) ?? Infinity,
      customerAccepted.get(o.customerTenantId) ?? Infinity,
    );
    const end = ended.get(key) ?? Infinity;
    // G-09: the gate judges with the facts it holds when it decides, so a withdrawal or termination attempted
    // before the decision may rightly count: such orders are left out.
    const decision = byOrder.get(o.orderId)?.[0];
    const decidedAt = Date.parse(decision?.envelope?.data?.decidedAt ?? o.ackAt);
    if (rel === undefined || rel >= sent || !(acc < sent) || end <= Math.max(decidedAt, Date.parse(o.ackAt)))
      continue;
    if (!GATED.has(o.orderKind) && o.orderKind !== 'AutoRenewal' && o.orderKind !== 'Cancellation') continue;
    covered++;
    if (decision && decision.envelope?.eventType !== 'OrderApproved')
      falseBlocks.push(
        `${o.orderId} (${o.orderKind}, sent ${o.sentAt}): ${decision.envelope?.data?.reason} — ${decision.envelope?.data?.message}`,
      );
  }
  return {
    name: '3. no false block (G-11): an order sent after its facts were acknowledged is approved',
    ok: falseBlocks.length === 0,
    details: first(falseBlocks),
    counts: { covered, falseBlocks: falseBlocks.length },
  };
}

/** 4: every acknowledged attestation, withdrawal and acceptance is on agreements.acceptance once, and in the audit. */
export function acknowledgedFactsKept(
  journal: readonly JournalEntry[],
  acceptance: readonly TopicMessage[],
  auditEventIds: ReadonlySet<string>,
): InvariantResult {
  const problems: string[] = [];
  const counts = {
    attestations: 0,
    withdrawals: 0,
    acceptances: 0,
    missing: 0,
    duplicated: 0,
    notInAudit: 0,
  };
  const byType = (type: string) => acceptance.filter((m) => m.envelope?.eventType === type);
  const expectOnce = (what: string, found: TopicMessage[]) => {
    const ids = new Set(found.map((m) => m.envelope?.eventId));
    if (ids.size === 0) {
      counts.missing++;
      problems.push(`${what}: acknowledged but not on agreements.acceptance`);
    } else if (ids.size > 1) {
      counts.duplicated++;
      problems.push(`${what}: ${ids.size} different facts on agreements.acceptance`);
    }
    for (const id of ids)
      if (id && !auditEventIds.has(id)) {
        counts.notInAudit++;
        problems.push(`${what}: event ${id} is not in the audit log`);
      }
  };
  const attested = byType('AgreementAttested');
  const withdrawn = byType('AgreementAttestationWithdrawn');
  const accepted = byType('CustomerAgreementAccepted');
  for (const e of journal) {
    if (e.kind !== 'ack') continue;
    if (e.fact === 'Attested' && e.attestationId) {
      counts.attestations++;
      expectOnce(
        `attestation ${e.attestationId}`,
        attested.filter((m) => m.envelope?.data?.attestationId === e.attestationId),
      );
    }
    if (e.fact === 'Withdrawn') {
      counts.withdrawals++;
      expectOnce(
        `withdrawal for ${pair(e.partnerId, e.customerTenantId)}`,
        withdrawn.filter(
          (m) =>
            m.envelope?.data?.partnerId === e.partnerId &&
            m.envelope?.data?.customerTenantId === e.customerTenantId &&
            (!e.attestationId || m.envelope?.data?.attestationId === e.attestationId),
        ),
      );
    }
    if (e.fact === 'DirectAccepted') {
      counts.acceptances++;
      expectOnce(
        `acceptance of customer ${e.customerTenantId}`,
        accepted.filter(
          (m) =>
            m.envelope?.data?.customerTenantId === e.customerTenantId &&
            (!e.dateAgreed || Date.parse(m.envelope?.data?.dateAgreed) === Date.parse(e.dateAgreed)),
        ),
      );
    }
  }
  return {
    name: '4. every acknowledged attestation, withdrawal and acceptance is on its topic once and in the audit',
    ok: problems.length === 0,
    details: first(problems),
    counts,
  };
}

/**
 * 5 (U-01): the audit holds every event of every topic exactly once: by eventId (a relay's re-send of an event is the
 * same event, kept once), and by topic, partition and offset for a message with no readable eventId (a .dlq's).
 */
export function auditHoldsEverything(
  messages: readonly TopicMessage[],
  audit: { byEventId: ReadonlyMap<string, number>; byPlace: ReadonlyMap<string, number> },
  verify: { ok: boolean; checkpoint: unknown; firstBrokenSequence?: number | null },
): InvariantResult {
  const problems: string[] = [];
  let missing = 0;
  let duplicated = 0;
  const events = new Set<string>();
  const count = (key: string, n: number) => {
    if (n === 0) missing++;
    if (n > 1) duplicated++;
    if (n !== 1 && problems.length < 10) problems.push(`${key} is in the audit ${n} times`);
  };
  for (const m of messages) {
    const eventId = m.envelope?.eventId;
    if (typeof eventId === 'string' && !m.topic.endsWith('.dlq')) {
      if (events.has(eventId)) continue;
      events.add(eventId);
      count(`event ${eventId} (${m.topic})`, audit.byEventId.get(eventId) ?? 0);
    } else
      count(
        `${m.topic}:${m.partition}@${m.offset}`,
        audit.byPlace.get(`${m.topic}:${m.partition}:${m.offset}`) ?? 0,
      );
  }
  if (!verify.ok)
    problems.push(`the chain does not verify: first broken sequence ${verify.firstBrokenSequence}`);
  if (!verify.checkpoint) problems.push('no signed checkpoint vouched for the chain');
  return {
    name: '5. the audit holds every event of every topic once; its chain verifies against a signed checkpoint (U-01, U-02, U-07)',
    ok: problems.length === 0,
    details: problems,
    counts: { messages: messages.length, events: events.size, missing, duplicated },
  };
}

export interface LatencyFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function latency(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
  return {
    count: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : 0,
  };
}

/** Requested→decided latency, in and out of fault windows; recovery per fault kind. */
export function figures(journal: readonly JournalEntry[], decided: readonly TopicMessage[]) {
  const byOrder = decisionsByOrder(decided);
  const faults = journal.filter((e): e is FaultEntry => e.kind === 'fault');
  const windows = faults.map((f) => [Date.parse(f.startAt), Date.parse(f.recoveredAt ?? f.endAt) + 5000]);
  const inFault: number[] = [];
  const outside: number[] = [];
  const orders = journal.filter((e): e is OrderEntry => e.kind === 'order');
  for (const o of orders) {
    const d = byOrder.get(o.orderId)?.[0];
    const decidedAt = d?.envelope?.data?.decidedAt;
    if (!decidedAt) continue;
    const sent = Date.parse(o.sentAt);
    const ms = Date.parse(decidedAt) - Date.parse(o.requestedAt);
    (windows.some(([a, b]) => sent >= a && sent <= b) ? inFault : outside).push(ms);
  }
  const recovery: Record<
    string,
    { count: number; healthyAfterMs: number[]; firstDecisionAfterMs: number[] }
  > = {};
  const decisionTimes = decided
    .map((m) => Date.parse(m.envelope?.data?.decidedAt ?? ''))
    .filter((t) => !Number.isNaN(t))
    .sort((a, b) => a - b);
  for (const f of faults) {
    const r = (recovery[f.fault] ??= { count: 0, healthyAfterMs: [], firstDecisionAfterMs: [] });
    r.count++;
    const end = Date.parse(f.endAt);
    if (f.recoveredAt) r.healthyAfterMs.push(Date.parse(f.recoveredAt) - end);
    const next = decisionTimes.find((t) => t >= end);
    if (next !== undefined) r.firstDecisionAfterMs.push(next - end);
  }
  const duplicates = [...byOrder.values()].reduce((n, list) => n + Math.max(0, list.length - 1), 0);
  return {
    orders: orders.length,
    decisions: decided.length,
    faultsByKind: Object.fromEntries(Object.entries(recovery).map(([k, v]) => [k, v.count])),
    latencyDuringFaults: latency(inFault),
    latencyOutsideFaults: latency(outside),
    recovery,
    duplicatesDeliveredToCommercePlatform: duplicates,
  };
}
