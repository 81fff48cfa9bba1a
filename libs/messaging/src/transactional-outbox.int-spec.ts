import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { buildEnvelope, Topics } from '@app/contracts';
import {
  connectedProducer,
  createTestDatabase,
  eventually,
  TestDatabase,
  testKafka,
  TopicRecorder,
} from '@app/testing';
import { OutboxMessage } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { messagingTablesUp, outboxLeaseUp } from './schema';
import { runSql, sql, table } from './sql';
import { TransactionalOutbox } from './transactional-outbox';

const SCHEMA = 'transactional_outbox_test';

class PublicationPending extends Error {}
const unconfirmed = () => new PublicationPending('not confirmed in time');

function templateEvent(): OutboxMessage {
  const templateId = randomUUID();
  return {
    topic: Topics.AgreementsTemplates,
    key: templateId,
    envelope: buildEnvelope(
      'AgreementTemplatePublished',
      {
        templateId,
        agreementType: 'MicrosoftCustomerAgreement',
        versionRank: 1,
        agreementLink: 'https://aka.ms/customeragreement',
        publishedAt: new Date().toISOString(),
      },
      { producer: 'attestation' },
    ),
  };
}

/** Rule 6: a state change and its events commit together, and the answer waits for their publication. */
describe('TransactionalOutbox against the real broker and database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let producer: Producer;
  let recorder: TopicRecorder;
  let relay: OutboxRelay;
  let outbox: TransactionalOutbox;

  const changes = table(SCHEMA, 'changes');
  const inOutbox = async (ids: readonly string[]) =>
    (
      await runSql<Array<{ id: string }>>(
        dataSource,
        sql`SELECT id FROM ${table(SCHEMA, 'outbox')} WHERE id = ANY(${ids}::uuid[])`,
      )
    ).length;
  const changed = async (marker: string) =>
    (await runSql<unknown[]>(dataSource, sql`SELECT 1 FROM ${changes} WHERE marker = ${marker}`)).length;

  beforeAll(async () => {
    db = await createTestDatabase('transactional-outbox');
    dataSource = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 5 } }).initialize();
    await dataSource.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const statement of [...messagingTablesUp(SCHEMA), ...outboxLeaseUp(SCHEMA)])
      await dataSource.query(statement);
    await runSql(dataSource, sql`CREATE TABLE ${changes} (marker text PRIMARY KEY)`);
    const kafka = testKafka('transactional-outbox-int');
    producer = await connectedProducer(kafka);
    recorder = await new TopicRecorder(kafka, [Topics.AgreementsTemplates]).start();
    relay = new OutboxRelay(dataSource, producer, { schema: SCHEMA, idleIntervalMs: 100 });
    outbox = new TransactionalOutbox(dataSource, SCHEMA, relay);
  });

  afterAll(async () => {
    await relay?.stop();
    await recorder?.stop();
    await producer?.disconnect();
    await dataSource?.destroy();
    await db?.drop();
  });

  it('commits the change with its events and answers once they are on their topic', async () => {
    relay.start();
    const marker = randomUUID();
    const event = templateEvent();
    const result = await outbox.run(async (manager) => {
      await runSql(manager, sql`INSERT INTO ${changes} (marker) VALUES (${marker})`);
      return { result: 'done', events: [event] };
    }, unconfirmed);

    expect(result).toBe('done');
    expect(await changed(marker)).toBe(1);
    // Answered only after publication: the row has already left the outbox.
    expect(await inOutbox([event.envelope.eventId])).toBe(0);
    await eventually(() =>
      expect(recorder.on(Topics.AgreementsTemplates).map((m) => m.json?.eventId)).toContain(
        event.envelope.eventId,
      ),
    );
  });

  it('rolls the change and its events back together when the change throws', async () => {
    const marker = randomUUID();
    const event = templateEvent();
    await expect(
      outbox.run(async (manager) => {
        await runSql(manager, sql`INSERT INTO ${changes} (marker) VALUES (${marker})`);
        await outbox.enqueue(manager, [event]);
        throw new Error('refused');
      }, unconfirmed),
    ).rejects.toThrow('refused');

    expect(await changed(marker)).toBe(0);
    expect(await inOutbox([event.envelope.eventId])).toBe(0);
  });

  it("throws the service's own error when publication is not confirmed in time; the change stays and the event waits", async () => {
    await relay.stop();
    const marker = randomUUID();
    const event = templateEvent();
    const short = new TransactionalOutbox(dataSource, SCHEMA, {
      flush: (ids: readonly string[]) => relay.flush(ids, 200),
    } as OutboxRelay);
    await expect(
      short.run(async (manager) => {
        await runSql(manager, sql`INSERT INTO ${changes} (marker) VALUES (${marker})`);
        return { result: 'done', events: [event] };
      }, unconfirmed),
    ).rejects.toBeInstanceOf(PublicationPending);
    expect(await changed(marker)).toBe(1);
    expect(await inOutbox([event.envelope.eventId])).toBe(1);

    // Given again (a replay), the answer waits for that event too, and gets it once the relay runs.
    await expect(short.confirmPublished([event.envelope.eventId], unconfirmed)).rejects.toBeInstanceOf(
      PublicationPending,
    );
    relay.start();
    await expect(outbox.confirmPublished([event.envelope.eventId], unconfirmed)).resolves.toBeUndefined();
    expect(await inOutbox([event.envelope.eventId])).toBe(0);
  });
});
