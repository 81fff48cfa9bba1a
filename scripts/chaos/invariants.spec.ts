import {
  acknowledgedFactsKept,
  auditHoldsEverything,
  figures,
  noFalseBlock,
  noOrderUndecided,
  oneOutcomePerOrder,
  TopicMessage,
} from './invariants';
import { JournalEntry } from './journal';

/* The checker's invariants on small hand-made runs: each holds on a clean run and fails when its rule breaks. */
let offset = 0;
const message = (
  topic: string,
  eventType: string,
  data: Record<string, unknown>,
  eventId = `e-${offset}`,
): TopicMessage => ({
  topic,
  partition: 0,
  offset: String(offset++),
  timestamp: 0,
  envelope: { eventId, eventType, data },
});
const request = (orderId: string) => message('commerce.orders.requested', 'OrderRequested', { orderId });
const decision = (
  orderId: string,
  approved: boolean,
  reason = approved ? 'AcceptanceConfirmed' : 'AcceptanceMissing',
  decidedAt = '2026-11-28T10:00:01.000Z',
) =>
  message('commerce.orders.decided', approved ? 'OrderApproved' : 'OrderBlocked', {
    orderId,
    reason,
    decidedAt,
    message: 'm',
  });
const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s)).toISOString();
const ack = (fact: string, s: number, ids: Record<string, string>): JournalEntry =>
  ({ kind: 'ack', fact, sentAt: at(s), ackAt: at(s), httpStatus: 201, ...ids }) as JournalEntry;
const order = (orderId: string, s: number, orderKind = 'NewPurchase'): JournalEntry => ({
  kind: 'order',
  orderId,
  partnerId: 'p',
  customerTenantId: 'c',
  orderKind,
  requestedAt: at(s),
  sentAt: at(s),
  ackAt: at(s),
});

describe('chaos invariants', () => {
  it('1: one outcome per order holds with duplicates of one outcome, and fails on two outcomes', () => {
    const clean = oneOutcomePerOrder([request('a')], [decision('a', true), decision('a', true)]);
    expect(clean.ok).toBe(true);
    expect(clean.counts.duplicateDecisionEvents).toBe(1);
    expect(oneOutcomePerOrder([request('a')], [decision('a', true), decision('a', false)]).ok).toBe(false);
    expect(
      oneOutcomePerOrder(
        [request('a')],
        [decision('a', false, 'AcceptanceMissing'), decision('a', false, 'NoResellerRelationship')],
      ).ok,
    ).toBe(false);
  });

  it('2: fails when a requested order has no decision', () => {
    expect(
      noOrderUndecided([request('a'), request('b')], [decision('a', true), decision('b', false)]).ok,
    ).toBe(true);
    const broken = noOrderUndecided([request('a'), request('b')], [decision('a', true)]);
    expect(broken.ok).toBe(false);
    expect(broken.details).toEqual(['b']);
  });

  it('3: fails on a block after the facts were acknowledged; leaves out orders before them or after a withdrawal', () => {
    const facts = [
      ack('CustomerCreated', 1, { partnerId: 'p', customerTenantId: 'c' }),
      ack('Attested', 2, { partnerId: 'p', customerTenantId: 'c', attestationId: 'x' }),
    ];
    const journal = [...facts, order('early', 1), order('late', 3)];
    expect(noFalseBlock(journal, [decision('early', false), decision('late', true)])).toMatchObject({
      ok: true,
      counts: { covered: 1 },
    });
    expect(noFalseBlock(journal, [decision('early', false), decision('late', false)]).ok).toBe(false);
    const withdrawn = [
      ...journal,
      {
        kind: 'error',
        fact: 'Withdrawn',
        sentAt: at(2.5),
        ackAt: at(2.6),
        partnerId: 'p',
        customerTenantId: 'c',
      } as JournalEntry,
    ];
    expect(noFalseBlock(withdrawn, [decision('early', false), decision('late', false)])).toMatchObject({
      ok: true,
      counts: { covered: 0 },
    });
    const direct = [
      ack('RelationshipAccepted', 1, { partnerId: 'p', customerTenantId: 'c' }),
      ack('DirectAccepted', 2, { customerTenantId: 'c' }),
      order('o', 3),
    ];
    expect(noFalseBlock(direct, [decision('o', false)]).ok).toBe(false);
  });

  it('4: fails when an acknowledged fact is missing from its topic, is there twice, or is not in the audit', () => {
    const journal = [ack('Attested', 1, { partnerId: 'p', customerTenantId: 'c', attestationId: 'x' })];
    const fact = message('agreements.acceptance', 'AgreementAttested', { attestationId: 'x' }, 'ev-x');
    expect(acknowledgedFactsKept(journal, [fact], new Set(['ev-x'])).ok).toBe(true);
    expect(acknowledgedFactsKept(journal, [], new Set()).ok).toBe(false);
    expect(acknowledgedFactsKept(journal, [fact], new Set()).ok).toBe(false);
    const twice = message('agreements.acceptance', 'AgreementAttested', { attestationId: 'x' }, 'ev-y');
    expect(acknowledgedFactsKept(journal, [fact, twice], new Set(['ev-x', 'ev-y'])).counts.duplicated).toBe(
      1,
    );
  });

  it('5: fails when a message is missing from the audit or stored twice, or the chain does not verify', () => {
    const m = request('a');
    const key = `${m.topic}:${m.partition}:${m.offset}`;
    const verified = { ok: true, checkpoint: { sequence: 1 } };
    expect(auditHoldsEverything([m], new Map([[key, 1]]), verified).ok).toBe(true);
    expect(auditHoldsEverything([m], new Map(), verified).ok).toBe(false);
    expect(auditHoldsEverything([m], new Map([[key, 2]]), verified).ok).toBe(false);
    expect(
      auditHoldsEverything([m], new Map([[key, 1]]), { ok: false, checkpoint: null, firstBrokenSequence: 7 })
        .ok,
    ).toBe(false);
  });

  it('figures: latency in and out of fault windows, recovery and duplicates', () => {
    const journal: JournalEntry[] = [
      order('in', 10),
      order('out', 100),
      {
        kind: 'fault',
        fault: 'kill-broker',
        target: 'broker-2',
        startAt: at(9),
        endAt: at(17),
        recoveredAt: at(20),
      },
    ];
    const f = figures(journal, [
      decision('in', true, 'AcceptanceConfirmed', at(14)),
      decision('out', true, 'AcceptanceConfirmed', at(101)),
      decision('out', true, 'AcceptanceConfirmed', at(102)),
    ]);
    expect(f.latencyDuringFaults).toMatchObject({ count: 1, maxMs: 4000 });
    expect(f.latencyOutsideFaults).toMatchObject({ count: 1, maxMs: 1000 });
    expect(f.recovery['kill-broker']).toEqual({
      count: 1,
      healthyAfterMs: [3000],
      firstDecisionAfterMs: [84000],
    });
    expect(f.duplicatesDeliveredToCommercePlatform).toBe(1);
  });
});
