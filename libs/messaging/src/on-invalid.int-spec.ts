import { randomUUID } from 'crypto';
import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { buildEnvelope, DLQ_HEADERS, dlqTopicOf, Topics } from '@app/contracts';
import { createTestDatabase, eventually, TestDatabase, testKafka, TopicRecorder } from '@app/testing';
import { ConsumerRunner, ValidatedConsumerSpec } from './consumer-runner';
import { messagingTablesUp } from './schema';

const SCHEMA = 'messaging_on_invalid_test';
const DLQ = dlqTopicOf(Topics.AgreementsTemplates);

const published = (templateId: string) =>
  buildEnvelope(
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

describe("a validated consumer's onInvalid effect (G-14's hook), against the real broker and database", () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  let recorder: TopicRecorder;
  let running: ConsumerRunner | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('messaging_on_invalid');
    dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 5 } });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of messagingTablesUp(SCHEMA)) await dataSource.query(sql);
    await dataSource.query(`CREATE TABLE ${SCHEMA}.effects (key text, what text)`);
    kafka = testKafka('messaging-on-invalid');
    producer = kafka.producer({ maxInFlightRequests: 1 });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    recorder = await new TopicRecorder(kafka, [DLQ]).start();
  });

  afterAll(async () => {
    await running?.stop();
    await recorder?.stop();
    await admin?.disconnect();
    await producer?.disconnect();
    await dataSource?.destroy();
    await db?.drop();
  });

  const effects = async (key: string) =>
    (await dataSource.query(`SELECT what FROM ${SCHEMA}.effects WHERE key = $1 ORDER BY what`, [key])).map(
      (r: { what: string }) => r.what,
    );
  const record = (key: string, what: string) =>
    dataSource.query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [key, what]);

  async function started(spec: Omit<ValidatedConsumerSpec, 'mode' | 'topics'>): Promise<ConsumerRunner> {
    const runner = new ConsumerRunner(
      { ...spec, mode: 'validated', topics: [Topics.AgreementsTemplates] },
      {
        kafka,
        admin,
        dataSource,
        producer,
        schema: SCHEMA,
        groupId: `messaging-${spec.name}-${randomUUID()}`,
        newGroupStart: 'latest',
        maxAttempts: 2,
      },
    );
    // One runner at a time: each test's handler records every message of the topic.
    await running?.stop();
    running = runner;
    await runner.start();
    await eventually(() => expect(runner.isJoined()).toBe(true), { timeoutMs: 30000 });
    return runner;
  }

  it.each([
    ['one by one', false],
    ['in chunks', true],
  ])(
    'G-14: %s, an invalid message gets its onInvalid effect and its .dlq copy; the valid ones their handler',
    async (_, chunked) => {
      const key = randomUUID();
      await started({
        name: `on-invalid-${chunked ? 'chunks' : 'single'}`,
        handle: async ({ envelope, key: k }, manager) => {
          await manager.query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [
            k,
            `handled ${(envelope.data as { templateId: string }).templateId}`,
          ]);
        },
        ...(chunked && {
          handleBatch: async (messages, manager) => {
            for (const { envelope, key: k } of messages)
              await manager.query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [
                k,
                `handled ${(envelope.data as { templateId: string }).templateId}`,
              ]);
          },
        }),
        onInvalid: async (message, reason, manager) => {
          if (message.key !== key) return;
          await manager.query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [
            message.key,
            `refused: ${reason}`,
          ]);
        },
      });
      const bad = { ...published('not-a-guid'), eventId: randomUUID() };
      await producer.send({
        topic: Topics.AgreementsTemplates,
        acks: -1,
        messages: [bad, published('7e0b1a2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c')].map((e) => ({
          key,
          value: JSON.stringify(e),
        })),
      });

      await eventually(async () =>
        expect(await effects(key)).toEqual([
          'handled 7e0b1a2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c',
          expect.stringMatching(/^refused: data\.templateId must be a UUID/),
        ]),
      );
      await eventually(() => {
        const copies = recorder.on(DLQ).filter((m) => m.json?.eventId === bad.eventId);
        expect(copies.length).toBeGreaterThan(0);
        expect(copies[0].headers[DLQ_HEADERS.reason]).toContain('data.templateId must be a UUID');
      });
    },
  );

  it('G-14: a message whose onInvalid effect keeps failing is dead-lettered all the same, and the consumer goes on', async () => {
    const key = randomUUID();
    await started({
      name: 'on-invalid-failing',
      handle: async ({ key: k }) => {
        await record(k!, 'handled');
      },
      onInvalid: async (message) => {
        if (message.key === key) throw new Error('cannot record this one');
      },
    });
    const bad = { ...published('not-a-guid'), eventId: randomUUID() };
    await producer.send({
      topic: Topics.AgreementsTemplates,
      acks: -1,
      messages: [bad, published(randomUUID())].map((e) => ({ key, value: JSON.stringify(e) })),
    });
    await eventually(async () => expect(await effects(key)).toEqual(['handled']));
    await eventually(() =>
      expect(recorder.on(DLQ).filter((m) => m.json?.eventId === bad.eventId).length).toBeGreaterThan(0),
    );
  });
});
