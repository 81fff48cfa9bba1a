import { randomUUID } from 'crypto';
import {
  buildEnvelope,
  EVENT_TOPIC,
  EventEnvelope,
  EventType,
  OrderKind,
  OrderRequestedV1,
  Topics,
} from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { eventually, givenRunningService, ServiceUnderTest } from '@app/testing';
import { ORDER_GATE_SCHEMA } from './config';
import { OrderGateModule } from './order-gate.module';

/**
 * The gate's integration specs share this: a running gate fed through the topics as the other services
 * and the commerce platform would feed it, and read back from `commerce.orders.decided`.
 */

/** A running gate that records its decisions; call once inside a spec file's `describe`. */
export const givenRunningGate = (label: string, env?: Record<string, string>): ServiceUnderTest =>
  givenRunningService({
    service: 'order-gate',
    // The gate reads its policy file (ORDER_GATE_POLICY_FILE) from the environment it is given, as in production.
    module: (c) => OrderGateModule.forRoot(c, {}, { ...process.env, ...env }),
    record: [Topics.OrdersDecided],
    label,
    env,
  });

/** What the gate's traffic helpers need of a running gate. */
export type GateTraffic = Pick<ServiceUnderTest, 'producer' | 'recorder'>;

/** The message key each producer uses: the customer, else the template, else the partner (provider first). */
function keyOf(event: EventEnvelope): string {
  const d = event.data as Record<string, string | undefined>;
  const key = d.customerTenantId ?? d.templateId ?? d.providerPartnerId ?? d.partnerId;
  if (!key) throw new Error(`no message key for ${event.eventType}`);
  return key;
}

/**
 * Publishes events on their own topics with their producers' keys, each acknowledged by every replica
 * before the next (as a service's relay would, before it answers 2xx).
 */
export async function publish(sut: GateTraffic, ...events: EventEnvelope[]): Promise<void> {
  for (const event of events)
    await sut.producer.send({
      topic: EVENT_TOPIC[event.eventType as EventType],
      acks: -1,
      messages: [{ key: keyOf(event), value: JSON.stringify(event) }],
    });
}

/** Many events on one topic and key in one batch: the order they keep on the partition is the test's point. */
export async function publishBatch(sut: GateTraffic, topic: string, key: string, events: EventEnvelope[]) {
  await sut.producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({ key, value: JSON.stringify(e) })),
  });
}

/** An order as the commerce platform requests it, now, on `commerce.orders.requested`. */
export function givenOrder(
  partnerId: string,
  customerTenantId: string,
  kind: OrderKind = 'NewPurchase',
  more: Partial<OrderRequestedV1> = {},
): EventEnvelope<OrderRequestedV1> {
  return buildEnvelope(
    'OrderRequested',
    {
      orderId: `order-${randomUUID()}`,
      partnerId,
      customerTenantId,
      kind,
      channel: 'Api',
      requestedAt: new Date().toISOString(),
      subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 3 }],
      ...more,
    },
    { producer: 'commerce-platform' },
  );
}

export interface RecordedDecision {
  eventType: 'OrderApproved' | 'OrderBlocked';
  data: {
    orderId: string;
    reason: string;
    message: string;
    evidence: {
      acceptanceSource: string | null;
      templateId: string | null;
      acceptanceEventId: string | null;
    };
    [field: string]: unknown;
  };
}

/** Every decision recorded so far for the order on `commerce.orders.decided`. */
export const decisionsOf = (sut: GateTraffic, orderId: string): RecordedDecision[] =>
  sut.recorder
    .on(Topics.OrdersDecided)
    .filter((m) => m.json?.data?.orderId === orderId)
    .map((m) => m.json as RecordedDecision);

/** Waits for the order's decision on `commerce.orders.decided`. */
export const decisionOf = (sut: GateTraffic, orderId: string, timeoutMs = 15000) =>
  eventually(
    () => {
      const mine = decisionsOf(sut, orderId);
      expect(mine.length).toBeGreaterThan(0);
      return mine[0];
    },
    { timeoutMs },
  );

/** Places the orders (each on its customer's key) and waits for each one's decision, in the same order. */
export async function placeOrders(sut: GateTraffic, ...orders: EventEnvelope<OrderRequestedV1>[]) {
  await publish(sut, ...orders);
  const decided: RecordedDecision[] = [];
  for (const order of orders) decided.push(await decisionOf(sut, order.data.orderId));
  return decided;
}

/**
 * Waits until the gate has decided everything sent before on the customer's partition: a marker order sent
 * after it, on the same key, has its decision. Only then is a count of decisions final.
 */
export async function afterEverythingBefore(sut: GateTraffic, partnerId: string, customerTenantId: string) {
  const marker = givenOrder(partnerId, customerTenantId, 'Cancellation');
  await publish(sut, marker);
  await decisionOf(sut, marker.data.orderId, 60000);
}

/** How many decisions the gate stored for these orders. */
export async function storedDecisions(
  sut: Pick<ServiceUnderTest, 'pg'>,
  orderIds: string[],
): Promise<number> {
  const { rows } = await runSql(
    sut.pg,
    sql`SELECT count(*)::int AS n FROM ${table(ORDER_GATE_SCHEMA, 'decisions')} WHERE order_id = ANY(${orderIds})`,
  );
  return rows[0].n;
}
