import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@app/contracts';
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
import {
  afterEverythingBefore,
  decisionsOf,
  givenOrder,
  publish,
  publishBatch,
  storedDecisions,
} from '../order-gate.harness';
import { OrderGateModule } from '../order-gate.module';
import { givenAttested, givenCustomerCreated } from '../projection/facts.fixtures';

/**
 * G-10 across a restart: the gate is stopped and started again in its own consumer groups, which
 * `givenRunningService` (one service for the file's life) does not do; this file starts it itself.
 */
describe('G-10: a restart of the gate', () => {
  const kafka = testKafka('gate-restart');
  const groupPrefix = uniqueGroupPrefix('gate-restart');
  let db: TestDatabase;
  let gate: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;
  let pg: Client;

  const start = () =>
    startService('order-gate', (c) => OrderGateModule.forRoot(c), { databaseUrl: db.url, groupPrefix });
  const traffic = () => ({ producer, recorder });

  beforeAll(async () => {
    db = await createTestDatabase('gate_restart');
    gate = await start();
    recorder = await new TopicRecorder(kafka, [Topics.OrdersDecided]).start();
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

  it('G-10: a restart of the gate in the middle of a stream loses and duplicates nothing', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const now = new Date().toISOString();
    await publish(
      traffic(),
      givenCustomerCreated(partnerId, customerTenantId, now),
      givenAttested(partnerId, customerTenantId, now),
    );
    const requests = Array.from({ length: 400 }, () => givenOrder(partnerId, customerTenantId, 'SeatChange'));
    const orderIds = requests.map((r) => r.data.orderId);
    await publishBatch(traffic(), Topics.OrdersRequested, customerTenantId, requests.slice(0, 200));
    await eventually(() => expect(decisionsOf(traffic(), orderIds[0])).toHaveLength(1));
    const stopping = gate.close();
    await publishBatch(traffic(), Topics.OrdersRequested, customerTenantId, requests.slice(200));
    await stopping;
    gate = await start();
    // The first half again, as a producer retry after the restart would.
    await publishBatch(traffic(), Topics.OrdersRequested, customerTenantId, requests.slice(0, 50));

    await eventually(
      () => expect(orderIds.filter((id) => decisionsOf(traffic(), id).length === 0)).toEqual([]),
      { timeoutMs: 60000, intervalMs: 200 },
    );
    await afterEverythingBefore(traffic(), partnerId, customerTenantId);
    expect(orderIds.filter((id) => decisionsOf(traffic(), id).length > 1)).toEqual([]);
    expect(await storedDecisions({ pg }, orderIds)).toBe(400);
  });
});
