import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { buildEnvelope, dlqTopicOf, OrderKind, OrderRequestedV1, Topics } from '@app/contracts';
import {
  connectedProducer,
  createTestDatabase,
  eventually,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
} from '@app/testing';
import { quoteIdent } from '@app/messaging';
import { ORDER_GATE_SCHEMA } from '../config';
import { OrderGateModule } from '../order-gate.module';

const DLQ = dlqTopicOf(Topics.OrdersRequested);
type Json = Record<string, any>;

function order(customerTenantId: string, kind: OrderKind = 'NewPurchase'): Json {
  const data: OrderRequestedV1 = {
    orderId: `order-${randomUUID()}`,
    partnerId: randomUUID(),
    customerTenantId,
    kind,
    channel: 'Api',
    requestedAt: new Date().toISOString(),
    subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
    lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 3 }],
  };
  return buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
}

/** Each way an OrderRequested can fail validation, its reason, and the order fields its decision leaves out. */
const INVALID: Array<{ name: string; spoil: (data: Json) => void; reason: string; absent: string[] }> = [
  { name: 'a bad kind', spoil: (d) => (d.kind = 'Refund'), reason: 'data.kind', absent: ['kind'] },
  {
    name: 'no customerTenantId',
    spoil: (d) => delete d.customerTenantId,
    reason: 'data.customerTenantId is required',
    absent: ['customerTenantId'],
  },
  {
    name: 'an upper-case GUID',
    spoil: (d) => (d.customerTenantId = d.customerTenantId.toUpperCase()),
    reason: 'data.customerTenantId must be a UUID',
    absent: ['customerTenantId'],
  },
  {
    name: 'an upper-case partner GUID',
    spoil: (d) => (d.partnerId = d.partnerId.toUpperCase()),
    reason: 'data.partnerId must be a UUID',
    absent: ['partnerId'],
  },
  {
    name: 'a 129-character orderId',
    spoil: (d) => (d.orderId = `o-${randomUUID()}-`.padEnd(129, 'x')),
    reason: 'data.orderId must be shorter than or equal to 128 characters',
    absent: [],
  },
  {
    name: 'a negative quantity',
    spoil: (d) => (d.lineItems[0].quantity = -1),
    reason: 'data.lineItems[0].quantity must not be less than 0',
    absent: [],
  },
  {
    name: 'a SeatChange without subscriptionId',
    spoil: (d) => {
      d.kind = 'SeatChange';
      delete d.subscriptionId;
    },
    reason: 'data.subscriptionId is required',
    absent: [],
  },
  {
    name: 'a bad requestedAt',
    spoil: (d) => (d.requestedAt = '2026-11-21'),
    reason: 'data.requestedAt must be an ISO-8601 date-time',
    absent: ['requestedAt'],
  },
  { name: 'no line items', spoil: (d) => delete d.lineItems, reason: 'data.lineItems', absent: [] },
];

describe('G-14: every OrderRequested gets one decision, a malformed one included (real broker and database)', () => {
  const kafka = testKafka('order-gate-invalid-orders');
  let db: TestDatabase;
  let gate: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;
  let pg: Client;

  /*
   * Other gates may run on the shared broker at the same time (other test files), and they decide and dead-letter
   * these requests too: "exactly one" is counted in this gate's own decisions table, and its decision event is
   * found on the topic by its eventId; a dead letter is counted once per source offset.
   */
  const recordedDecisions = async (orderId: string) =>
    (
      await pg.query(
        `SELECT reason, request_event_id, decision_event_id FROM ${quoteIdent(ORDER_GATE_SCHEMA)}.decisions WHERE order_id = $1`,
        [orderId],
      )
    ).rows as Array<{ reason: string; request_event_id: string | null; decision_event_id: string }>;
  const decisionEvent = (eventId: string) =>
    eventually(() => {
      const sent = recorder.on(Topics.OrdersDecided).filter((m) => m.json?.eventId === eventId);
      expect(sent).toHaveLength(1);
      return sent[0].json;
    });
  const deadLettersOf = (eventId: string) => {
    const copies = recorder.on(DLQ).filter((m) => m.json?.eventId === eventId);
    const offsets = new Set(
      copies.map((m) => `${m.headers['dlq-source-partition']}@${m.headers['dlq-source-offset']}`),
    );
    return { copies, offsets: offsets.size };
  };
  const send = (key: string, ...values: Array<Json | string>) =>
    producer.send({
      topic: Topics.OrdersRequested,
      acks: -1,
      messages: values.map((v) => ({ key, value: typeof v === 'string' ? v : JSON.stringify(v) })),
    });
  /** A valid order after the thing under test, on the same partition: once it is decided, so is all before it. */
  const sendMarkerAndWait = async (key: string) => {
    const marker = order(key);
    await send(key, marker);
    await eventually(async () => expect(await recordedDecisions(marker.data.orderId)).toHaveLength(1), {
      timeoutMs: 20000,
    });
  };

  beforeAll(async () => {
    db = await createTestDatabase('order_gate_invalid');
    gate = await startService('order-gate', (c) => OrderGateModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('gate-invalid'),
    });
    recorder = await new TopicRecorder(kafka, [Topics.OrdersDecided, DLQ]).start();
    producer = await connectedProducer(kafka);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await producer?.disconnect();
    await recorder?.stop();
    await gate?.close();
    await db?.drop();
  });

  it.each(INVALID)(
    'G-14: an order with $name is blocked once with InvalidOrder and copied to the .dlq with the reason',
    async ({ spoil, reason, absent }) => {
      const customerTenantId = randomUUID();
      const request = order(customerTenantId);
      spoil(request.data);
      await send(customerTenantId, request);
      await sendMarkerAndWait(customerTenantId);

      const recorded = await recordedDecisions(request.data.orderId);
      expect(recorded).toEqual([
        { reason: 'InvalidOrder', request_event_id: request.eventId, decision_event_id: expect.any(String) },
      ]);
      const decision = await decisionEvent(recorded[0].decision_event_id);
      expect(decision).toMatchObject({
        eventType: 'OrderBlocked',
        producer: 'order-gate',
        causationId: request.eventId,
        correlationId: request.correlationId,
        data: { orderId: request.data.orderId, reason: 'InvalidOrder', factsComplete: true },
      });
      expect(decision.data.message).toContain(reason);
      for (const field of ['partnerId', 'customerTenantId', 'kind', 'requestedAt']) {
        if (absent.includes(field)) expect(decision.data).not.toHaveProperty(field);
        else expect(decision.data[field]).toBe(request.data[field]);
      }

      const dead = await eventually(() => {
        const { copies, offsets } = deadLettersOf(request.eventId);
        expect(offsets).toBe(1);
        return copies[0];
      });
      expect(dead.value).toBe(JSON.stringify(request));
      expect(dead.headers['dlq-reason']).toContain(reason);

      // The orderId is stored as it was sent, however long (G-14 reads up to 512 characters).
      const stored = await pg.query(
        `SELECT order_id FROM ${quoteIdent(ORDER_GATE_SCHEMA)}.decisions WHERE order_id = $1`,
        [request.data.orderId],
      );
      expect(stored.rows[0].order_id).toBe(request.data.orderId);
    },
  );

  it('G-14, G-10: a redelivery, a second malformed request and a valid one with the same orderId get no second decision', async () => {
    const customerTenantId = randomUUID();
    const request = order(customerTenantId);
    request.data.kind = 'Refund';
    const another: Json = { ...order(customerTenantId), eventId: randomUUID() };
    another.data = { ...request.data, lineItems: 'none' };
    const valid = order(customerTenantId);
    valid.data.orderId = request.data.orderId;
    await send(customerTenantId, request, request, another);
    await sendMarkerAndWait(customerTenantId);
    await send(customerTenantId, valid);
    await sendMarkerAndWait(customerTenantId);

    const recorded = await recordedDecisions(request.data.orderId);
    expect(recorded).toEqual([
      expect.objectContaining({ reason: 'InvalidOrder', request_event_id: request.eventId }),
    ]);
    const decision = await decisionEvent(recorded[0].decision_event_id);
    expect(decision).toMatchObject({ causationId: request.eventId, data: { reason: 'InvalidOrder' } });
    await eventually(() => {
      expect(deadLettersOf(request.eventId).offsets).toBe(2);
      expect(deadLettersOf(another.eventId).offsets).toBe(1);
    });
  });

  it('G-14: a request whose orderId cannot be read goes to the .dlq alone', async () => {
    const customerTenantId = randomUUID();
    const noOrderId = order(customerTenantId);
    delete noOrderId.data.orderId;
    const emptyOrderId = order(customerTenantId);
    emptyOrderId.data.orderId = '';
    const numericOrderId = order(customerTenantId);
    numericOrderId.data.orderId = 42;
    const hugeOrderId = order(customerTenantId);
    hugeOrderId.data.orderId = 'x'.repeat(10_000);
    const notFromCommerce = order(customerTenantId);
    notFromCommerce.producer = 'attestation';
    notFromCommerce.data.kind = 'Refund';
    const unreadable = [noOrderId, emptyOrderId, numericOrderId, hugeOrderId, notFromCommerce];
    const notJson = `{"orderId": "${randomUUID()}"`;
    await send(customerTenantId, ...unreadable, notJson);
    await sendMarkerAndWait(customerTenantId);

    await eventually(() => {
      for (const request of unreadable) expect(deadLettersOf(request.eventId).offsets).toBe(1);
      expect(recorder.on(DLQ).filter((m) => m.value === notJson).length).toBeGreaterThan(0);
    });
    const answered = await pg.query(
      `SELECT count(*)::int AS n FROM ${quoteIdent(ORDER_GATE_SCHEMA)}.decisions WHERE request_event_id = ANY($1) OR order_id = ANY($2)`,
      [unreadable.map((r) => r.eventId), [hugeOrderId.data.orderId, notFromCommerce.data.orderId, '42']],
    );
    expect(answered.rows[0].n).toBe(0);
  });
});
