import { randomUUID } from 'crypto';
import { Topics } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { eventually, givenRunningInstances, InstancesUnderTest } from '@app/testing';
import { ORDER_GATE_SCHEMA } from '../config';
import { decisionsOf, givenOrder, publish, publishBatch } from '../order-gate.harness';
import { ORDER_GATE_MIGRATIONS, OrderGateModule } from '../order-gate.module';
import { givenAttested, givenCustomerCreated } from '../projection/facts.fixtures';

/**
 * The gate as it is scaled out: two instances on one database and one set of consumer groups, the orders'
 * and the facts' partitions split between them. Started together on an empty database, they also race
 * their migrations.
 */
/**
 * The decisions these gates stored, by orderId: the event each must have sent. Other gates on the shared broker
 * (other test files, other branches) may decide the same orders in their own groups; only these gates' events,
 * known by the stored decision_event_id, are counted.
 */
async function storedByOrder(gates: InstancesUnderTest, orderIds: string[]) {
  const { rows } = await runSql(
    gates.pg,
    sql`SELECT order_id, decision_event_id, outcome, reason FROM ${table(ORDER_GATE_SCHEMA, 'decisions')}
         WHERE order_id = ANY(${orderIds})`,
  );
  return new Map<string, { eventId: string; outcome: string; reason: string }>(
    rows.map((r: Record<string, string>) => [
      r.order_id,
      { eventId: r.decision_event_id, outcome: r.outcome, reason: r.reason },
    ]),
  );
}

/** The decision events of these gates for the order: its stored decision's event, once or (at least once) more. */
const ownEvents = (gates: InstancesUnderTest, orderId: string, eventId: string | undefined) =>
  decisionsOf(gates, orderId).filter((d) => (d as unknown as { eventId: string }).eventId === eventId);

describe('the order gate with several instances', () => {
  const gates = givenRunningInstances({
    service: 'order-gate',
    module: (c) => OrderGateModule.forRoot(c),
    record: [Topics.OrdersDecided],
    label: 'gate-scale-out',
    instances: 2,
  });

  it('migrations: two gates starting at once on an empty database both come up, each migration applied once', async () => {
    expect(gates.running()).toEqual([0, 1]);
    const { rows } = await runSql(
      gates.pg,
      sql`SELECT name, count(*)::int AS n FROM ${table(ORDER_GATE_SCHEMA, 'migrations')} GROUP BY name`,
    );
    expect(rows.map((r: { name: string; n: number }) => [r.name, r.n]).sort()).toEqual(
      ORDER_GATE_MIGRATIONS.map((m) => [new m().name, 1]).sort(),
    );
    for (const i of gates.running())
      expect((await gates.instance(i).http().get('/health/ready')).status).toBe(200);
  });

  it('G-11: orders requested after their facts were acknowledged are never blocked while the partitions are split across two gates', async () => {
    const orderIds: string[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 15; i++) {
          const partnerId = randomUUID();
          const customerTenantId = randomUUID();
          const now = new Date().toISOString();
          await publish(
            gates,
            givenCustomerCreated(partnerId, customerTenantId, now),
            givenAttested(partnerId, customerTenantId, now),
          );
          const request = givenOrder(partnerId, customerTenantId);
          orderIds.push(request.data.orderId);
          await publish(gates, request);
        }
      }),
    );
    const stored = await eventually(
      async () => {
        const got = await storedByOrder(gates, orderIds);
        expect(orderIds.filter((id) => !got.has(id))).toEqual([]);
        return got;
      },
      { timeoutMs: 60000, intervalMs: 200 },
    );
    expect(orderIds.filter((id) => stored.get(id)!.reason !== 'AcceptanceConfirmed')).toEqual([]);
    await eventually(
      () =>
        expect(orderIds.filter((id) => ownEvents(gates, id, stored.get(id)!.eventId).length === 0)).toEqual(
          [],
        ),
      { timeoutMs: 30000, intervalMs: 200 },
    );
  });

  it('G-10, G-14: with one gate crashing while orders flow and a third joining later, every order gets one decision, never two outcomes', async () => {
    const customers = Array.from({ length: 12 }, () => ({
      partnerId: randomUUID(),
      customerTenantId: randomUUID(),
    }));
    const now = new Date().toISOString();
    for (const c of customers)
      await publish(
        gates,
        givenCustomerCreated(c.partnerId, c.customerTenantId, now),
        givenAttested(c.partnerId, c.customerTenantId, now),
      );
    const orderIds: string[] = [];
    const invalidIds: string[] = [];
    const wave = async () => {
      for (const c of customers) {
        const requests = Array.from({ length: 20 }, () =>
          givenOrder(c.partnerId, c.customerTenantId, 'SeatChange'),
        );
        orderIds.push(...requests.map((r) => r.data.orderId));
        await publishBatch(gates, Topics.OrdersRequested, c.customerTenantId, requests);
      }
      // G-14: a request that fails validation is answered too, once.
      const invalid = givenOrder(customers[0].partnerId, customers[0].customerTenantId);
      invalidIds.push(invalid.data.orderId);
      await publishBatch(gates, Topics.OrdersRequested, customers[0].customerTenantId, [
        { ...invalid, data: { ...invalid.data, kind: 'NotAKind' as never } },
      ]);
    };
    await wave();
    await eventually(() => expect(decisionsOf(gates, orderIds[0]).length).toBeGreaterThan(0), {
      timeoutMs: 30000,
    });
    const crashing = gates.crash(1);
    await wave();
    await crashing;
    await wave();
    await gates.start();
    await wave();

    const all = [...orderIds, ...invalidIds];
    const stored = await eventually(
      async () => {
        const got = await storedByOrder(gates, all);
        expect(all.filter((id) => !got.has(id))).toEqual([]);
        return got;
      },
      { timeoutMs: 90000, intervalMs: 250 },
    );
    // Every stored decision reaches the topic: none is left undecided, none waits in a dead gate's outbox.
    const events = await eventually(
      () => {
        const got = all.map((id) => ownEvents(gates, id, stored.get(id)!.eventId));
        expect(all.filter((_, i) => got[i].length === 0)).toEqual([]);
        return got;
      },
      { timeoutMs: 60000, intervalMs: 250 },
    );
    // One decision per order (the table's key): the event says what was stored, never another outcome.
    expect(all.filter((id, i) => events[i].some((e) => e.data.reason !== stored.get(id)!.reason))).toEqual(
      [],
    );
    expect(invalidIds.map((id) => stored.get(id)!.reason)).toEqual(invalidIds.map(() => 'InvalidOrder'));
    const { rows } = await runSql(
      gates.pg,
      sql`SELECT count(*)::int AS n FROM ${table(ORDER_GATE_SCHEMA, 'outbox')}`,
    );
    expect(rows[0].n).toBe(0);
    // At least once: only what the crashed gate had sent and not yet deleted is sent again (same event id).
    const duplicates = events.reduce((n, e) => n + e.length - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(orderIds.length / 4);
    console.log(`G-10 scale-out: ${all.length} orders, ${duplicates} duplicate decision event(s) delivered`);
  });
});
