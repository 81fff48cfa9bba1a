import { randomUUID } from 'crypto';
import { EventEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { ConsumerRegistry, runSql, sql, table } from '@app/messaging';
import { eventually } from '@app/testing';
import { ORDER_GATE_SCHEMA } from '../config';
import { decisionOf, givenOrder, givenRunningGate, publish, publishBatch } from '../order-gate.harness';
import { givenAttested, givenCustomerCreated } from '../projection/facts.fixtures';
import { ORDERS_CONSUMER } from './orders-requested.consumer';

/**
 * A backlog reaches the gate in fetches of thousands of orders, decided with one catch-up and recorded in parts
 * (order-decider.ts, RECORD_PART): every order of every part is judged on its own view and decided once, and each
 * customer's decisions leave in the order its requests came.
 */
describe('G-09, G-10: a fetch of more orders than one recorded part', () => {
  const sut = givenRunningGate('gate-fetch-in-parts');
  const PER_CUSTOMER = 800;

  it('G-10, G-09: 2,400 orders fetched together get one decision each, on their own facts, in order per customer', async () => {
    const partnerId = randomUUID();
    const [accepted, unrelated, unattested] = [randomUUID(), randomUUID(), randomUUID()];
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await publish(
      sut,
      givenCustomerCreated(partnerId, accepted, anHourAgo),
      givenAttested(partnerId, accepted, anHourAgo),
      givenCustomerCreated(partnerId, unattested, anHourAgo),
    );
    const probe = givenOrder(partnerId, accepted);
    await publish(sut, probe);
    expect(await decisionOf(sut, probe.data.orderId, 30000)).toMatchObject({ eventType: 'OrderApproved' });

    const orders = sut.service.app.get(ConsumerRegistry).consumer(ORDERS_CONSUMER)!;
    const byCustomer = new Map<string, EventEnvelope<OrderRequestedV1>[]>(
      [accepted, unrelated, unattested].map((customer) => [
        customer,
        Array.from({ length: PER_CUSTOMER }, () => givenOrder(partnerId, customer)),
      ]),
    );
    orders.pause();
    try {
      for (const [customer, requests] of byCustomer)
        await publishBatch(sut, Topics.OrdersRequested, customer, requests);
    } finally {
      orders.resume();
    }

    const ids = [...byCustomer.values()].flat().map((r) => r.data.orderId);
    const stored = () =>
      runSql(
        sut.pg,
        sql`SELECT order_id, reason, decision_event_id FROM ${table(ORDER_GATE_SCHEMA, 'decisions')}
             WHERE order_id = ANY(${ids})`,
      ).then((r) => r.rows as Array<{ order_id: string; reason: string; decision_event_id: string }>);
    const rows = await eventually(
      async () => {
        const found = await stored();
        expect(found).toHaveLength(ids.length);
        return found;
      },
      { timeoutMs: 60000 },
    );
    const reasonOf = new Map(rows.map((r) => [r.order_id, r.reason]));
    const expected: Array<[string, string]> = [
      [accepted, 'AcceptanceConfirmed'],
      [unrelated, 'NoResellerRelationship'],
      [unattested, 'AcceptanceMissing'],
    ];
    for (const [customer, reason] of expected)
      expect(new Set(byCustomer.get(customer)!.map((r) => reasonOf.get(r.data.orderId)))).toEqual(
        new Set([reason]),
      );

    // Each stored decision reaches the topic once, and a customer's in the order of its requests.
    const eventIds = new Set(rows.map((r) => r.decision_event_id));
    const sent = await eventually(
      () => {
        const mine = sut.recorder.on(Topics.OrdersDecided).filter((m) => eventIds.has(m.json?.eventId));
        expect(mine).toHaveLength(ids.length);
        return mine;
      },
      { timeoutMs: 60000 },
    );
    for (const [customer, requests] of byCustomer)
      expect(
        sent.filter((m) => m.json.data.customerTenantId === customer).map((m) => m.json.data.orderId),
      ).toEqual(requests.map((r) => r.data.orderId));
  });
});
