import { randomUUID } from 'crypto';
import { Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { givenMessagingDatabase, SCHEMA, templatePublished } from './messaging.harness';
import { enqueueEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';

describe('outbox relay rounds and flush, against the real broker and database', () => {
  const bed = givenMessagingDatabase('messaging_relay', [Topics.AgreementsTemplates]);
  let relay: OutboxRelay;

  beforeAll(() => {
    relay = new OutboxRelay(bed.dataSource(), bed.producer(), { schema: SCHEMA, idleIntervalMs: 100 });
    relay.start();
  });

  afterAll(() => relay.stop());

  const onTopic = (key: string) =>
    bed
      .recorder()
      .on(Topics.AgreementsTemplates)
      .filter((m) => m.key === key);

  it('publishes what a transaction wrote, and flush resolves only once it is on the topic', async () => {
    const envelopes = [templatePublished(), templatePublished(), templatePublished()];
    const key = randomUUID();
    const ids = await bed.dataSource().transaction((m) =>
      enqueueEvents(
        m,
        SCHEMA,
        envelopes.map((envelope) => ({ topic: Topics.AgreementsTemplates, key, envelope })),
      ),
    );

    await expect(relay.flush(ids, 10000)).resolves.toBe(true);

    const outbox = await bed
      .dataSource()
      .query(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE id = ANY($1)`, [ids]);
    expect(outbox[0].n).toBe(0);
    const seen = await eventually(() => {
      const mine = onTopic(key);
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
    const runner = bed.dataSource().createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await enqueueEvents(runner.manager, SCHEMA, [
      { topic: Topics.AgreementsTemplates, key: randomUUID(), envelope: early },
    ]);
    const [lateId] = await bed
      .dataSource()
      .transaction((m) =>
        enqueueEvents(m, SCHEMA, [{ topic: Topics.AgreementsTemplates, key: randomUUID(), envelope: late }]),
      );
    await expect(relay.flush([lateId], 10000)).resolves.toBe(true);
    await runner.commitTransaction();
    await runner.release();

    await expect(relay.flush([early.eventId], 10000)).resolves.toBe(true);
    await eventually(() =>
      expect(
        bed
          .recorder()
          .on(Topics.AgreementsTemplates)
          .map((m) => m.json?.eventId),
      ).toEqual(expect.arrayContaining([early.eventId, late.eventId])),
    );
  });

  it('keeps one key in order when another relay holds an older row of that key', async () => {
    // The rows must not be published before the other instance holds the older one: pause ours.
    await relay.stop();
    const key = randomUUID();
    const first = templatePublished();
    const second = templatePublished();
    await bed.dataSource().transaction((m) =>
      enqueueEvents(m, SCHEMA, [
        { topic: Topics.AgreementsTemplates, key, envelope: first },
        { topic: Topics.AgreementsTemplates, key, envelope: second },
      ]),
    );
    // Another instance's relay has claimed the older row and not yet committed.
    const other = bed.dataSource().createQueryRunner();
    await other.connect();
    await other.startTransaction();
    await other.query(`SELECT id FROM ${SCHEMA}.outbox WHERE id = $1 FOR UPDATE`, [first.eventId]);
    relay = new OutboxRelay(bed.dataSource(), bed.producer(), { schema: SCHEMA, idleIntervalMs: 100 });
    relay.start();

    await expect(relay.flush([second.eventId], 600)).resolves.toBe(false);
    const waiting = await bed
      .dataSource()
      .query(`SELECT id FROM ${SCHEMA}.outbox WHERE id = $1`, [second.eventId]);
    expect(waiting).toHaveLength(1);

    await other.rollbackTransaction();
    await other.release();
    await expect(relay.flush([first.eventId, second.eventId], 10000)).resolves.toBe(true);
    const order = await eventually(() => {
      const mine = onTopic(key);
      expect(mine).toHaveLength(2);
      return mine.map((m) => m.json.eventId);
    });
    expect(order).toEqual([first.eventId, second.eventId]);
  });
});
