import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry, singleMetric } from '@app/platform';

/** G-11: decisions taken past the longest wait for the facts, on what the gate had read (`factsComplete: false`). */
export const decisionsWithoutCompleteFacts = singleMetric(
  'order_gate_decisions_without_complete_facts_total',
  () =>
    new Counter({
      name: 'order_gate_decisions_without_complete_facts_total',
      help: 'Orders decided past ORDER_GATE_FACTS_MAX_WAIT_MS without the facts read up to their arrival (factsComplete: false).',
      registers: [metricsRegistry],
    }),
);

/** G-11: orders held now, past the short wait, because the facts they are judged on are not read yet. */
export const ordersHeldForFacts = singleMetric(
  'order_gate_orders_held_for_facts',
  () =>
    new Gauge({
      name: 'order_gate_orders_held_for_facts',
      help: 'Orders held undecided because the fact topics are not read up to their arrival yet.',
      registers: [metricsRegistry],
    }),
);

const decisions = singleMetric(
  'order_gate_decisions_total',
  () =>
    new Counter({
      name: 'order_gate_decisions_total',
      help: 'Decisions recorded (one per order, G-10), by outcome (Approved, Blocked), reason and order kind (unknown for an InvalidOrder whose kind could not be read).',
      labelNames: ['outcome', 'reason', 'kind'] as const,
      registers: [metricsRegistry],
    }),
);

const decisionLatency = singleMetric(
  'order_gate_decision_latency_seconds',
  () =>
    new Histogram({
      name: 'order_gate_decision_latency_seconds',
      help: "From the order's requestedAt to its decision, by outcome (includes any hold for the facts, G-11).",
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [metricsRegistry],
    }),
);

const factsWait = singleMetric(
  'order_gate_facts_wait_seconds',
  () =>
    new Histogram({
      name: 'order_gate_facts_wait_seconds',
      help: 'How long orders that were not caught up with their facts on arrival waited for them before being decided (G-11).',
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 600],
      registers: [metricsRegistry],
    }),
);

/** What a decision metric needs of a recorded decision. */
export interface DecisionSample {
  kind?: string;
  requestedAt?: string;
  decision: { outcome: string; reason: string };
}

/** Counts the decisions recorded now (not those a redelivery found already there) and their latency. */
export function countDecisions(recorded: readonly DecisionSample[], decidedAt: Date): void {
  for (const r of recorded) {
    const { outcome, reason } = r.decision;
    decisions.inc({ outcome, reason, kind: r.kind ?? 'unknown' });
    const requestedAt = r.requestedAt ? Date.parse(r.requestedAt) : NaN;
    if (Number.isFinite(requestedAt))
      decisionLatency.observe({ outcome }, Math.max(0, decidedAt.getTime() - requestedAt) / 1000);
  }
}

/** G-11: `count` orders decided after waiting `ms` for their facts. */
export function observeFactsWait(ms: number, count: number): void {
  for (let i = 0; i < count; i++) factsWait.observe(ms / 1000);
}
