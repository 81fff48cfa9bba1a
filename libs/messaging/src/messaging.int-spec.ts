import { randomUUID } from 'crypto';
import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { buildEnvelope, DLQ_HEADERS, dlqTopicOf, Topics } from '@app/contracts';
import {
  connectedProducer,
  createTestDatabase,
  eventually,
  TestDatabase,
  testKafka,
  TopicRecorder,
} from '@app/testing';
import { ConsumerRunner, ConsumerRunnerOptions, ConsumerSpec, ValidatedMessage } from './consumer-runner';
import { CatchUp, ConsumerGroups } from './catch-up';
import { endOffsets } from './end-offsets';
import { RejectedMessageError } from './errors';
import { preparedQuery } from './database';
import { enqueueEvents, stageEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { messagingTablesUp, outboxLeaseUp } from './schema';

const SCHEMA = 'messaging_test';

/** The consumer groups as a catch-up sees them: one group, and what this instance applied of it. */
function oneGroup(groupId: string, applied?: () => ReadonlyMap<string, bigint>): ConsumerGroups {
  return { groupIdFor: () => groupId, appliedPositions: () => applied?.() };
}

function templatePublished(templateId = randomUUID()) {
  return buildEnvelope(
    'AgreementTemplatePublished',
    {
      templateId,
      agreementType: 'MicrosoftCustomerAgreement',
      versionRank: 3,
      agreementLink: 'https://aka.ms/customeragreement',
      publishedAt: new Date().toISOString(),
    },
    { producer: 'attestation' },
  );
}

describe('libs/messaging against the real broker and database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    db = await createTestDatabase('messaging');
    dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 10 } });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of [...messagingTablesUp(SCHEMA), ...outboxLeaseUp(SCHEMA)]) await dataSource.query(sql);
    kafka = testKafka('messaging-int');
    producer = kafka.producer({ maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await dataSource?.destroy();
    await db?.drop();
  });

  /** A runner on the shared database and producer in a new group placed at the end, started and joined. */
  async function startedRunner(
    spec: ConsumerSpec,
    admin: Admin,
    options: Partial<ConsumerRunnerOptions> = {},
  ): Promise<ConsumerRunner> {
    const runner = new ConsumerRunner(spec, {
      kafka,
      admin,
      dataSource,
      producer,
      schema: SCHEMA,
      groupId: `messaging-${spec.name}-${randomUUID()}`,
      newGroupStart: 'latest',
      ...options,
    });
    await runner.start();
    await eventually(() => expect(runner.isJoined()).toBe(true), { timeoutMs: 30000 });
    return runner;
  }

  describe('outbox relay', () => {
    let relay: OutboxRelay;
    let recorder: TopicRecorder;

    beforeAll(async () => {
      recorder = await new TopicRecorder(kafka, [Topics.AgreementsTemplates]).start();
      relay = new OutboxRelay(dataSource, producer, { schema: SCHEMA, idleIntervalMs: 100 });
      relay.start();
    });

    afterAll(async () => {
      await relay.stop();
      await recorder.stop();
    });

    it('publishes what a transaction wrote, and flush resolves only once it is on the topic', async () => {
      const envelopes = [templatePublished(), templatePublished(), templatePublished()];
      const key = randomUUID();
      const ids = await dataSource.transaction((m) =>
        enqueueEvents(
          m,
          SCHEMA,
          envelopes.map((envelope) => ({ topic: Topics.AgreementsTemplates, key, envelope })),
        ),
      );

      await expect(relay.flush(ids, 10000)).resolves.toBe(true);

      const outbox = await dataSource.query(
        `SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE id = ANY($1)`,
        [ids],
      );
      expect(outbox[0].n).toBe(0);
      const seen = await eventually(() => {
        const mine = recorder.on(Topics.AgreementsTemplates).filter((m) => m.key === key);
        expect(mine).toHaveLength(3);
        return mine;
      });
      expect(seen.map((m) => m.json.eventId)).toEqual(ids);
      expect(seen[0].headers).toMatchObject({
        'event-type': 'AgreementTemplatePublished',
        'event-version': '1',
        'event-id': ids[0],
        'correlation-id': envelopes[0].correlationId,
      });
    });

    it('publishes a row that commits after a later row was already published (no "id > last seen")', async () => {
      const early = templatePublished();
      const late = templatePublished();
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      await enqueueEvents(runner.manager, SCHEMA, [
        { topic: Topics.AgreementsTemplates, key: randomUUID(), envelope: early },
      ]);
      const [lateId] = await dataSource.transaction((m) =>
        enqueueEvents(m, SCHEMA, [{ topic: Topics.AgreementsTemplates, key: randomUUID(), envelope: late }]),
      );
      await expect(relay.flush([lateId], 10000)).resolves.toBe(true);
      await runner.commitTransaction();
      await runner.release();

      await expect(relay.flush([early.eventId], 10000)).resolves.toBe(true);
      await eventually(() =>
        expect(recorder.on(Topics.AgreementsTemplates).map((m) => m.json?.eventId)).toEqual(
          expect.arrayContaining([early.eventId, late.eventId]),
        ),
      );
    });

    it('keeps one key in order when another relay holds an older row of that key', async () => {
      // The rows must not be published before the other instance holds the older one: pause ours.
      await relay.stop();
      const key = randomUUID();
      const first = templatePublished();
      const second = templatePublished();
      await dataSource.transaction((m) =>
        enqueueEvents(m, SCHEMA, [
          { topic: Topics.AgreementsTemplates, key, envelope: first },
          { topic: Topics.AgreementsTemplates, key, envelope: second },
        ]),
      );
      // Another instance's relay has claimed the older row and not yet committed.
      const other = dataSource.createQueryRunner();
      await other.connect();
      await other.startTransaction();
      await other.query(`SELECT id FROM ${SCHEMA}.outbox WHERE id = $1 FOR UPDATE`, [first.eventId]);
      relay = new OutboxRelay(dataSource, producer, { schema: SCHEMA, idleIntervalMs: 100 });
      relay.start();

      await expect(relay.flush([second.eventId], 600)).resolves.toBe(false);
      const waiting = await dataSource.query(`SELECT id FROM ${SCHEMA}.outbox WHERE id = $1`, [
        second.eventId,
      ]);
      expect(waiting).toHaveLength(1);

      await other.rollbackTransaction();
      await other.release();
      await expect(relay.flush([first.eventId, second.eventId], 10000)).resolves.toBe(true);
      const order = await eventually(() => {
        const mine = recorder.on(Topics.AgreementsTemplates).filter((m) => m.key === key);
        expect(mine).toHaveLength(2);
        return mine.map((m) => m.json.eventId);
      });
      expect(order).toEqual([first.eventId, second.eventId]);
    });
  });

  describe('outbox relay, publishing on commit (publishNow)', () => {
    let relay: OutboxRelay;
    let recorder: TopicRecorder;

    beforeAll(async () => {
      recorder = await new TopicRecorder(kafka, [Topics.AgreementsTemplates]).start();
      // Not started: whatever reaches the topic here was sent by publishNow itself.
      relay = new OutboxRelay(dataSource, producer, { schema: SCHEMA });
    });

    afterAll(async () => {
      await recorder.stop();
    });

    const stage = (key: string, envelopes: ReturnType<typeof templatePublished>[], lease = relay.lease) =>
      dataSource.transaction((m) =>
        stageEvents(
          m,
          SCHEMA,
          envelopes.map((envelope) => ({ topic: Topics.AgreementsTemplates, key, envelope })),
          lease,
        ),
      );
    const onTopic = (key: string) => recorder.on(Topics.AgreementsTemplates).filter((m) => m.key === key);
    const outboxIds = async (key: string) =>
      (
        (await dataSource.query(`SELECT id FROM ${SCHEMA}.outbox WHERE key = $1 ORDER BY seq`, [
          key,
        ])) as Array<{
          id: string;
        }>
      ).map((r) => r.id);

    it('sends rows written under its lease at once, in their order, then removes them from the outbox', async () => {
      const key = randomUUID();
      const rows = await stage(key, [templatePublished(), templatePublished(), templatePublished()]);
      const ids = rows.map((r) => r.id);
      expect(rows.every((r) => r.leased)).toBe(true);

      await relay.publishNow(rows);

      const order = await eventually(() => {
        const mine = onTopic(key);
        expect(mine).toHaveLength(3);
        return mine.map((m) => m.json.eventId);
      });
      expect(order).toEqual(ids);
      await eventually(async () => expect(await outboxIds(key)).toEqual([]));
    });

    it('writes a row whose key has an older row waiting without the lease, and leaves it to the relay, which keeps the order', async () => {
      const key = randomUUID();
      const [older, newer] = [templatePublished(), templatePublished()];
      // The older row was written for the relay rounds (no lease), e.g. by an HTTP command.
      await dataSource.transaction((m) =>
        enqueueEvents(m, SCHEMA, [{ topic: Topics.AgreementsTemplates, key, envelope: older }]),
      );
      const newerRows = await stage(key, [newer]);
      expect(newerRows.map((r) => r.leased)).toEqual([false]);

      await relay.publishNow(newerRows);

      await new Promise((r) => setTimeout(r, 300));
      expect(await outboxIds(key)).toEqual([older.eventId, newer.eventId]);
      expect(onTopic(key)).toHaveLength(0);

      await relay.drain();
      const order = await eventually(() => {
        const mine = onTopic(key);
        expect(mine).toHaveLength(2);
        return mine.map((m) => m.json.eventId);
      });
      expect(order).toEqual([older.eventId, newer.eventId]);
    });

    it("leases a key's next row to the same owner while its older leased row is not yet deleted: one sender, in order", async () => {
      const key = randomUUID();
      const first = await stage(key, [templatePublished()]);
      const second = await stage(key, [templatePublished()]);
      expect([...first, ...second].map((r) => r.leased)).toEqual([true, true]);
      // Another owner's live lease on an older row blocks the lease of a newer one.
      const foreignKey = randomUUID();
      await stage(foreignKey, [templatePublished()], { owner: randomUUID(), seconds: 30 });
      expect((await stage(foreignKey, [templatePublished()])).map((r) => r.leased)).toEqual([false]);

      await relay.publishNow(first);
      await relay.publishNow(second);
      const order = await eventually(() => {
        const mine = onTopic(key);
        expect(mine).toHaveLength(2);
        return mine.map((m) => m.json.eventId);
      });
      expect(order).toEqual([first[0].id, second[0].id]);
    });

    it("never claims a row under another owner's live lease in a round, and takes it once the lease has expired", async () => {
      const key = randomUUID();
      const [envelope] = [templatePublished()];
      // Another instance wrote it under its lease (1 s) and died before sending it.
      await stage(key, [envelope], { owner: randomUUID(), seconds: 1 });

      await relay.drain();
      expect(await outboxIds(key)).toEqual([envelope.eventId]);
      expect(onTopic(key)).toHaveLength(0);

      await new Promise((r) => setTimeout(r, 1100));
      await relay.drain();
      await eventually(() => expect(onTopic(key).map((m) => m.json.eventId)).toEqual([envelope.eventId]));
      expect(await outboxIds(key)).toEqual([]);
    });

    it('gives the rows of a failed send back to the relay rounds, and hands later rows to them too', async () => {
      const [key, otherKey] = [randomUUID(), randomUUID()];
      // The real producer, whose first send fails as if the broker were away.
      const flaky = {
        sendBatch: jest
          .fn()
          .mockRejectedValueOnce(new Error('broker away'))
          .mockImplementation((batch: Parameters<Producer['sendBatch']>[0]) => producer.sendBatch(batch)),
      } as unknown as Producer;
      const failing = new OutboxRelay(dataSource, flaky, { schema: SCHEMA });
      const leaseOwners = async (ids: string[]) =>
        (
          (await dataSource.query(
            `SELECT lease_owner FROM ${SCHEMA}.outbox WHERE id = ANY($1) ORDER BY seq`,
            [ids],
          )) as Array<{ lease_owner: string | null }>
        ).map((r) => r.lease_owner);
      const first = await stage(key, [templatePublished()], failing.lease);

      await failing.publishNow(first);

      expect(await leaseOwners([first[0].id])).toEqual([null]);
      // A later row of that key is written without the lease: the released row goes first.
      const second = await stage(key, [templatePublished()], failing.lease);
      expect(second[0].leased).toBe(false);
      // A later leased row of another key is handed to the rounds too, though the producer works again.
      const third = await stage(otherKey, [templatePublished()], failing.lease);
      expect(third[0].leased).toBe(true);
      await failing.publishNow(third);
      expect(await leaseOwners([third[0].id])).toEqual([null]);
      await new Promise((r) => setTimeout(r, 300));
      expect(onTopic(key)).toHaveLength(0);
      expect(onTopic(otherKey)).toHaveLength(0);

      await relay.drain();
      const order = await eventually(() => {
        const mine = onTopic(key);
        expect(mine).toHaveLength(2);
        expect(onTopic(otherKey)).toHaveLength(1);
        return mine.map((m) => m.json.eventId);
      });
      expect(order).toEqual([first[0].id, second[0].id]);
    });
  });

  describe('consumer runner', () => {
    let runner: ConsumerRunner;
    let recorder: TopicRecorder;
    let admin: ReturnType<Kafka['admin']>;
    let sender: Producer;
    const applied: ValidatedMessage[] = [];
    const poison = new Set<string>();
    const beforeStart = templatePublished();

    beforeAll(async () => {
      admin = kafka.admin();
      await admin.connect();
      sender = await connectedProducer(kafka);
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key: randomUUID(), value: JSON.stringify(beforeStart) }],
      });
      recorder = await new TopicRecorder(kafka, [dlqTopicOf(Topics.AgreementsTemplates)]).start();
      runner = await startedRunner(
        {
          name: 'templates-test',
          mode: 'validated',
          topics: [Topics.AgreementsTemplates],
          trackPositions: true,
          handle: async (message) => {
            if (poison.has(message.envelope.eventId))
              throw new RejectedMessageError('template cannot be applied');
            applied.push(message);
          },
        },
        admin,
        { maxAttempts: 2 },
      );
    });

    afterAll(async () => {
      await runner.stop();
      await recorder.stop();
      await sender.disconnect();
      await admin.disconnect();
    });

    it('sends a malformed message to the .dlq with its reason and source, and still processes the next good one', async () => {
      const key = randomUUID();
      const good = templatePublished();
      const invalid = { ...templatePublished(), data: { templateId: 'not-a-guid' } };
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [
          { key, value: '{ this is not json' },
          { key, value: JSON.stringify(invalid), headers: { 'event-id': invalid.eventId } },
          { key, value: JSON.stringify(good) },
        ],
      });

      await eventually(() => expect(applied.map((m) => m.envelope.eventId)).toContain(good.eventId));
      const dead = await eventually(() => {
        const mine = recorder.on(dlqTopicOf(Topics.AgreementsTemplates)).filter((m) => m.key === key);
        expect(mine).toHaveLength(2);
        return mine;
      });
      expect(dead[0].value).toBe('{ this is not json');
      expect(dead[0].headers[DLQ_HEADERS.reason]).toMatch(/not valid JSON/);
      expect(dead[0].headers[DLQ_HEADERS.sourceTopic]).toBe(Topics.AgreementsTemplates);
      expect(Number(dead[0].headers[DLQ_HEADERS.sourceOffset])).toBeGreaterThanOrEqual(0);
      expect(dead[0].headers[DLQ_HEADERS.sourcePartition]).toMatch(/^\d+$/);
      expect(dead[1].json.eventId).toBe(invalid.eventId);
      expect(dead[1].headers[DLQ_HEADERS.reason]).toMatch(/templateId/);
      expect(dead[1].headers['event-id']).toBe(invalid.eventId);
    });

    it('starts a new group at the end of its topics when told to (tests see only their own traffic)', async () => {
      const marker = templatePublished();
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key: randomUUID(), value: JSON.stringify(marker) }],
      });
      await eventually(() => expect(applied.map((m) => m.envelope.eventId)).toContain(marker.eventId));
      expect(applied.map((m) => m.envelope.eventId)).not.toContain(beforeStart.eventId);
    });

    it('applies a redelivered event once', async () => {
      const event = templatePublished();
      const key = randomUUID();
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key, value: JSON.stringify(event) }],
      });
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key, value: JSON.stringify(event) }],
      });
      const marker = templatePublished();
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key, value: JSON.stringify(marker) }],
      });

      await eventually(() => expect(applied.map((m) => m.envelope.eventId)).toContain(marker.eventId));
      expect(applied.filter((m) => m.envelope.eventId === event.eventId)).toHaveLength(1);
    });

    it('dead-letters a message its handler rejects and goes on', async () => {
      const rejected = templatePublished();
      const after = templatePublished();
      poison.add(rejected.eventId);
      const key = randomUUID();
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [
          { key, value: JSON.stringify(rejected) },
          { key, value: JSON.stringify(after) },
        ],
      });
      await eventually(() => expect(applied.map((m) => m.envelope.eventId)).toContain(after.eventId));
      const dead = await eventually(() => {
        const mine = recorder.on(dlqTopicOf(Topics.AgreementsTemplates)).filter((m) => m.key === key);
        expect(mine).toHaveLength(1);
        return mine[0];
      });
      expect(dead.headers[DLQ_HEADERS.reason]).toBe('rejected: template cannot be applied');
      expect(applied.map((m) => m.envelope.eventId)).not.toContain(rejected.eventId);
    });

    it('tells when it has applied everything up to the end offsets (catch-up)', async () => {
      const catchUp = new CatchUp(admin, dataSource, SCHEMA, oneGroup(runner.groupId));
      const event = templatePublished();
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key: randomUUID(), value: JSON.stringify(event) }],
      });
      const targets = await catchUp.endOffsets([Topics.AgreementsTemplates]);
      const result = await catchUp.waitFor('templates-test', targets, 10000);
      expect(result.caughtUp).toBe(true);
      expect(applied.map((m) => m.envelope.eventId)).toContain(event.eventId);

      const impossible = new Map([[`${Topics.AgreementsTemplates}:0`, 10n ** 15n]]);
      await expect(catchUp.waitFor('templates-test', impossible, 100)).resolves.toMatchObject({
        caughtUp: false,
        remaining: new Set([`${Topics.AgreementsTemplates}:0`]),
      });
    });

    it('gives the end offsets of the partitions that hold something, and they move with a send', async () => {
      const before = await endOffsets(admin, [Topics.AgreementsTemplates, Topics.AgreementsAcceptance]);
      const meta = await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key: randomUUID(), value: JSON.stringify(templatePublished()) }],
      });
      const key = `${Topics.AgreementsTemplates}:${meta[0].partition}`;
      const after = await endOffsets(admin, [Topics.AgreementsTemplates]);
      // Others may send to the topic too: the end is at least past what this send wrote.
      expect(after.get(key)).toBeGreaterThanOrEqual(BigInt(meta[0].baseOffset!) + 1n);
      expect(after.get(key)).toBeGreaterThan(before.get(key) ?? 0n);
      for (const partition of after.keys())
        expect(partition.startsWith(`${Topics.AgreementsTemplates}:`)).toBe(true);
    });
  });

  describe('consumer runner, batch path (handleBatch)', () => {
    let runner: ConsumerRunner;
    let recorder: TopicRecorder;
    let admin: ReturnType<Kafka['admin']>;
    let sender: Producer;
    const batches: string[][] = [];
    const oneByOne: string[] = [];
    const poison = new Set<string>();
    const TABLE = `${SCHEMA}.batch_effects`;

    async function effects(key: string): Promise<string[]> {
      const rows: Array<{ event_id: string }> = await dataSource.query(
        `SELECT event_id FROM ${TABLE} WHERE key = $1 ORDER BY seq`,
        [key],
      );
      return rows.map((r) => r.event_id);
    }

    beforeAll(async () => {
      await dataSource.query(
        `CREATE TABLE ${TABLE} (seq bigserial PRIMARY KEY, key text NOT NULL, event_id text NOT NULL)`,
      );
      admin = kafka.admin();
      await admin.connect();
      sender = await connectedProducer(kafka);
      recorder = await new TopicRecorder(kafka, [dlqTopicOf(Topics.AgreementsTemplates)]).start();
      const write = (m: ValidatedMessage, manager: EntityManager) =>
        manager.query(`INSERT INTO ${TABLE} (key, event_id) VALUES ($1, $2)`, [m.key, m.envelope.eventId]);
      runner = await startedRunner(
        {
          name: 'templates-batch-test',
          mode: 'validated',
          topics: [Topics.AgreementsTemplates],
          trackPositions: true,
          batchSize: 50,
          handleBatch: async (messages, manager) => {
            batches.push(messages.map((m) => m.envelope.eventId));
            // The effects of the good messages are written before the bad one fails the chunk.
            for (const m of messages) {
              if (poison.has(m.envelope.eventId)) throw new Error('constraint the handler did not expect');
              await write(m, manager);
            }
          },
          handle: async (message, manager) => {
            oneByOne.push(message.envelope.eventId);
            if (poison.has(message.envelope.eventId))
              throw new Error('constraint the handler did not expect');
            await write(message, manager);
          },
        },
        admin,
        { maxAttempts: 2 },
      );
    });

    afterAll(async () => {
      await runner.stop();
      await recorder.stop();
      await sender.disconnect();
      await admin.disconnect();
    });

    it('applies a fetched batch a chunk at a time, each chunk in one transaction, redeliveries once', async () => {
      const key = randomUUID();
      const envelopes = Array.from({ length: 120 }, () => templatePublished());
      const values = envelopes.map((e) => ({ key, value: JSON.stringify(e) }));
      await sender.send({ topic: Topics.AgreementsTemplates, messages: [...values, values[0], values[1]] });

      await eventually(async () => expect(await effects(key)).toHaveLength(120));
      expect(await effects(key)).toEqual(envelopes.map((e) => e.eventId));
      const mine = batches.filter((b) => b.some((id) => envelopes.some((e) => e.eventId === id)));
      expect(Math.max(...mine.map((b) => b.length))).toBeGreaterThan(1);
      expect(Math.max(...mine.map((b) => b.length))).toBeLessThanOrEqual(50);
      expect(oneByOne).toHaveLength(0);
    });

    it('on a non-transient failure rolls the chunk back and applies it one by one: only the bad message is dead-lettered', async () => {
      const key = randomUUID();
      const [before, bad, after] = [templatePublished(), templatePublished(), templatePublished()];
      poison.add(bad.eventId);
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: [before, bad, after].map((e) => ({ key, value: JSON.stringify(e) })),
      });

      await eventually(async () => expect(await effects(key)).toEqual([before.eventId, after.eventId]));
      const dead = await eventually(() => {
        const found = recorder.on(dlqTopicOf(Topics.AgreementsTemplates)).filter((m) => m.key === key);
        expect(found).toHaveLength(1);
        return found[0];
      });
      expect(dead.json.eventId).toBe(bad.eventId);
      expect(dead.headers[DLQ_HEADERS.reason]).toMatch(/handler failed after 2 attempts/);
      expect(oneByOne).toEqual(expect.arrayContaining([before.eventId, bad.eventId, after.eventId]));
      const positions = await dataSource.query(
        `SELECT next_offset FROM ${SCHEMA}.consumer_positions WHERE consumer = 'templates-batch-test'`,
      );
      expect(positions.length).toBeGreaterThan(0);
    });
  });

  describe('consumer runner, partitions merged (mergePartitions)', () => {
    let runner: ConsumerRunner;
    let recorder: TopicRecorder;
    let admin: ReturnType<Kafka['admin']>;
    let sender: Producer;
    let relay: OutboxRelay;
    const chunks: Array<Array<{ partition: number; eventId: string }>> = [];
    const handled = new Map<string, bigint>();
    const preparedSeen: unknown[] = [];
    let prepares = 0;

    beforeAll(async () => {
      admin = kafka.admin();
      await admin.connect();
      sender = await connectedProducer(kafka);
      recorder = await new TopicRecorder(kafka, [Topics.OrdersDecided]).start();
      // Not started: outputs reach the topic only through publishNow on commit.
      relay = new OutboxRelay(dataSource, producer, { schema: SCHEMA });
      runner = await startedRunner(
        {
          name: 'templates-merged-test',
          mode: 'validated',
          topics: [Topics.AgreementsTemplates],
          trackPositions: true,
          batchSize: 500,
          mergePartitions: true,
          prepareChunk: () => Promise.resolve(++prepares),
          handleBatch: async (messages, manager, prepared) => {
            preparedSeen.push(await prepared);
            chunks.push(messages.map((m) => ({ partition: m.partition, eventId: m.envelope.eventId })));
            for (const m of messages) handled.set(`${m.topic}:${m.partition}`, BigInt(m.offset) + 1n);
            return stageEvents(
              manager,
              SCHEMA,
              messages.map((m) => ({
                topic: Topics.OrdersDecided,
                key: m.key!,
                envelope: templatePublished(m.envelope.eventId as ReturnType<typeof randomUUID>),
              })),
              relay.lease,
            );
          },
          handle: async () => {
            throw new Error('the merged path should not fall back here');
          },
        },
        admin,
        { publishNow: (rows) => relay.publishNow(rows) },
      );
    });

    afterAll(async () => {
      await runner.stop();
      await recorder.stop();
      await sender.disconnect();
      await admin.disconnect();
    });

    it('applies the batches of several partitions in one transaction, each in offset order, and publishes on commit', async () => {
      const keys = Array.from({ length: 12 }, () => randomUUID());
      const sent = keys.flatMap((key) => [templatePublished(), templatePublished()].map((e) => ({ key, e })));
      await sender.send({
        topic: Topics.AgreementsTemplates,
        messages: sent.map(({ key, e }) => ({ key, value: JSON.stringify(e) })),
      });

      const ids = new Set(sent.map(({ e }) => e.eventId));
      const out = await eventually(() => {
        const mine = recorder.on(Topics.OrdersDecided).filter((m) => ids.has(m.json?.data?.templateId));
        expect(mine).toHaveLength(sent.length);
        return mine;
      });
      // Each key's two inputs gave their outputs in order (one partition per key).
      for (const key of keys) {
        const mineForKey = out.filter((m) => m.key === key).map((m) => m.json.data.templateId);
        expect(mineForKey).toEqual(sent.filter((s) => s.key === key).map((s) => s.e.eventId));
      }
      const mineChunks = chunks.filter((c) => c.some((x) => ids.has(x.eventId)));
      expect(Math.max(...mineChunks.map((c) => new Set(c.map((x) => x.partition)).size))).toBeGreaterThan(1);
      // Each chunk was handed the preparation started for it as it arrived.
      expect(preparedSeen).toHaveLength(chunks.length);
      expect(new Set(preparedSeen).size).toBe(preparedSeen.length);
      await eventually(async () => {
        const left = await dataSource.query(
          `SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE topic = $1`,
          [Topics.OrdersDecided],
        );
        expect(left[0].n).toBe(0);
      });
    });

    it("remembers the group's committed offsets: a partition that receives nothing more costs no query", async () => {
      let queries = 0;
      const counting = {
        query: (sql: string, params?: unknown[]) => {
          queries++;
          return dataSource.query(sql, params);
        },
      } as unknown as DataSource;
      // Another instance's view: nothing applied locally, only the group's commits to go by.
      const catchUp = new CatchUp(admin, counting, SCHEMA, oneGroup(runner.groupId));
      await eventually(async () =>
        expect(await catchUp.waitFor('not-this-consumer', new Map(handled), 0)).toMatchObject({
          caughtUp: true,
        }),
      );
      expect(queries).toBeGreaterThan(0);
      for (const [key, next] of handled)
        expect(catchUp.knownApplied('not-this-consumer').get(key)).toBeGreaterThanOrEqual(next);
      queries = 0;
      await expect(catchUp.waitFor('not-this-consumer', new Map(handled), 0)).resolves.toMatchObject({
        caughtUp: true,
      });
      expect(queries).toBe(0);
    });

    it('knows what it has applied without a query, and catch-up answers from it', async () => {
      expect(handled.size).toBeGreaterThan(0);
      const local = runner.appliedPositions();
      for (const [key, next] of handled) expect(local.get(key)).toBe(next);
      const noDatabase = {
        query: () => Promise.reject(new Error('catch-up should not need the database here')),
      } as unknown as DataSource;
      const catchUp = new CatchUp(
        admin,
        noDatabase,
        SCHEMA,
        oneGroup(runner.groupId, () => runner.appliedPositions()),
      );
      await expect(catchUp.waitFor('templates-merged-test', new Map(handled), 0)).resolves.toEqual({
        caughtUp: true,
        waitedMs: expect.any(Number),
        remaining: new Set(),
      });
    });
  });

  describe('preparedQuery', () => {
    const text = `SELECT n, $1::text AS tag FROM ${SCHEMA}.prepared_probe WHERE n = ANY($2::int[]) ORDER BY n`;

    beforeAll(async () => {
      await dataSource.query(`CREATE TABLE ${SCHEMA}.prepared_probe (n int PRIMARY KEY)`);
      await dataSource.query(`INSERT INTO ${SCHEMA}.prepared_probe SELECT generate_series(1, 5)`);
    });

    it('gives the rows manager.query gives, with other parameters each time, on any pooled connection', async () => {
      for (let round = 0; round < 15; round++) {
        const wanted = [1 + (round % 5), 5];
        const prepared = await preparedQuery<{ n: number; tag: string }>(dataSource.manager, text, [
          `r${round}`,
          wanted,
        ]);
        expect(prepared).toEqual(await dataSource.query(text, [`r${round}`, wanted]));
        expect(prepared.map((r) => r.n)).toEqual([...new Set(wanted)].sort());
      }
    });

    it("runs inside a transaction on the transaction's own connection, parsed there once", async () => {
      const rows = await dataSource
        .transaction(async (m) => {
          await m.query(`INSERT INTO ${SCHEMA}.prepared_probe VALUES (6)`);
          // Sees the transaction's own uncommitted row: the same connection, not another from the pool.
          const first = await preparedQuery<{ n: number }>(m, text, ['tx', [6]]);
          await preparedQuery(m, text, ['tx', [1]]);
          const statements: Array<{ count: string }> = await m.query(
            `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`,
            [text],
          );
          expect(Number(statements[0].count)).toBe(1);
          throw Object.assign(new Error('roll back'), { rows: first });
        })
        .catch((err: { rows?: unknown }) => err.rows);
      expect(rows).toEqual([{ n: 6, tag: 'tx' }]);
      expect(await dataSource.query(`SELECT n FROM ${SCHEMA}.prepared_probe WHERE n = 6`)).toEqual([]);
    });

    it('fails like manager.query on a bad statement, with the database error code', async () => {
      await expect(
        preparedQuery(dataSource.manager, `SELECT * FROM ${SCHEMA}.no_such_table`, []),
      ).rejects.toMatchObject({
        code: '42P01',
      });
    });
  });
});
