/**
 * What the libs/messaging integration specs share: a fresh database with the messaging tables in one schema,
 * a producer and an admin on the test broker, an optional recorder, and consumer runners started in new groups
 * placed at the end of their topics (so each file sees only its own traffic) and stopped after its tests.
 */
import { randomUUID } from 'crypto';
import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { buildEnvelope, Topics } from '@app/contracts';
import { createTestDatabase, eventually, TestDatabase, testKafka, TopicRecorder } from '@app/testing';
import { ConsumerRunner, ConsumerRunnerOptions, ConsumerSpec } from './consumers';
import { messagingTablesUp, outboxLeaseUp } from './schema';

export const SCHEMA = 'messaging_test';

/** A valid event of `agreements.templates`, the topic these specs run their consumers on. */
export function templatePublished(templateId: string = randomUUID()) {
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

export interface MessagingTestBed {
  dataSource(): DataSource;
  kafka(): Kafka;
  /** Shared by the file's tests, runners and relays (acks: all by default in kafkajs). */
  producer(): Producer;
  admin(): Admin;
  /** Records the topics given to the harness from before the first test. */
  recorder(): TopicRecorder;
  /** A runner on the file's database and producer, in a new group placed at the end, started and joined. */
  startedRunner(spec: ConsumerSpec, options?: Partial<ConsumerRunnerOptions>): Promise<ConsumerRunner>;
  /** Sends these values to `agreements.templates` under one key (so, in order on one partition). */
  sendTemplates(key: string, values: readonly (string | object)[]): Promise<void>;
  /**
   * Sends a marker event under `key` and waits until the recorder has it: whatever was sent to that partition
   * of `agreements.templates` before the marker has then been recorded too.
   */
  markerArrived(key: string): Promise<void>;
}

export function givenMessagingDatabase(label: string, record: readonly string[] = []): MessagingTestBed {
  let db: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
  let kafka: Kafka | undefined;
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let recorder: TopicRecorder | undefined;
  const runners: ConsumerRunner[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(label);
    dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 10 } });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const statement of [...messagingTablesUp(SCHEMA), ...outboxLeaseUp(SCHEMA)])
      await dataSource.query(statement);
    kafka = testKafka(label.replace(/_/g, '-'));
    producer = kafka.producer({ maxInFlightRequests: 1 });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    if (record.length > 0) recorder = await new TopicRecorder(kafka, [...record]).start();
  });

  afterAll(async () => {
    await Promise.allSettled(runners.map((r) => r.stop()));
    await recorder?.stop();
    await admin?.disconnect();
    await producer?.disconnect();
    await dataSource?.destroy();
    await db?.drop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is there only once beforeAll has run`);
    return value;
  };
  const bed: MessagingTestBed = {
    dataSource: () => started(dataSource, 'the data source'),
    kafka: () => started(kafka, 'kafka'),
    producer: () => started(producer, 'the producer'),
    admin: () => started(admin, 'the admin'),
    recorder: () => started(recorder, 'the recorder (give the harness topics to record)'),
    async startedRunner(spec, options = {}) {
      const runner = new ConsumerRunner(spec, {
        kafka: bed.kafka(),
        admin: bed.admin(),
        dataSource: bed.dataSource(),
        producer: bed.producer(),
        schema: SCHEMA,
        groupId: `messaging-${spec.name}-${randomUUID()}`,
        newGroupStart: 'latest',
        ...options,
      });
      runners.push(runner);
      await runner.start();
      await eventually(() => expect(runner.isJoined()).toBe(true), { timeoutMs: 30000 });
      return runner;
    },
    async sendTemplates(key, values) {
      await bed.producer().send({
        topic: Topics.AgreementsTemplates,
        acks: -1,
        messages: values.map((v) => ({ key, value: typeof v === 'string' ? v : JSON.stringify(v) })),
      });
    },
    async markerArrived(key) {
      const marker = templatePublished();
      await bed.sendTemplates(key, [marker]);
      await eventually(() =>
        expect(
          bed
            .recorder()
            .messages.some(
              (m) => m.topic === Topics.AgreementsTemplates && m.json?.eventId === marker.eventId,
            ),
        ).toBe(true),
      );
    },
  };
  return bed;
}
