import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '@app/platform';

/** One registry per process: several gates started in one test process share these. */
function registered<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

/** G-11: decisions taken past the longest wait for the facts, on what the gate had read (`factsComplete: false`). */
export const decisionsWithoutCompleteFacts = registered(
  'order_gate_decisions_without_complete_facts_total',
  () =>
    new Counter({
      name: 'order_gate_decisions_without_complete_facts_total',
      help: 'Orders decided past ORDER_GATE_FACTS_MAX_WAIT_MS without the facts read up to their arrival (factsComplete: false).',
      registers: [metricsRegistry],
    }),
);

/** G-11: orders held now, past the short wait, because the facts they are judged on are not read yet. */
export const ordersHeldForFacts = registered(
  'order_gate_orders_held_for_facts',
  () =>
    new Gauge({
      name: 'order_gate_orders_held_for_facts',
      help: 'Orders held undecided because the fact topics are not read up to their arrival yet.',
      registers: [metricsRegistry],
    }),
);
