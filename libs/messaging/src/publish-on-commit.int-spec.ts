import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { givenMessagingDatabase, SCHEMA, templatePublished } from './messaging.harness';
import { enqueueEvents, OutboxLease, stageEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';

describe('publishing on commit under the relay lease (publishNow), against the real broker and database', () => {
  const bed = givenMessagingDatabase('messaging_publish_now', [Topics.AgreementsTemplates]);
  let relay: OutboxRelay;

  beforeAll(() => {
    // Not started: whatever reaches the topic here was sent by publishNow, or by a drain the test asks for.
    relay = new OutboxRelay(bed.dataSource(), bed.producer(), { schema: SCHEMA });
  });

  const stage = (
    key: string,
    envelopes: ReturnType<typeof templatePublished>[],
    lease: OutboxLease = relay.lease,
  ) =>
    bed.dataSource().transaction((m) =>
      stageEvents(
        m,
        SCHEMA,
        envelopes.map((envelope) => ({ topic: Topics.AgreementsTemplates, key, envelope })),
        lease,
      ),
    );
  const onTopic = (key: string) =>
    bed
      .recorder()
      .on(Topics.AgreementsTemplates)
      .filter((m) => m.key === key);
  const eventIdsOnTopic = (key: string, ids: readonly string[]) =>
    onTopic(key)
      .map((m) => m.json?.eventId)
      .filter((id) => ids.includes(id));
  const outboxIds = async (key: string) =>
    (
      (await bed
        .dataSource()
        .query(`SELECT id FROM ${SCHEMA}.outbox WHERE key = $1 ORDER BY seq`, [key])) as Array<{
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

  it("sends a commit's rows in requests of at most batchSize, in order: a whole fetch's in one would pass the broker's message size", async () => {
    const key = randomUUID();
    // 1,500 rows of about 1 kB on one key: over 1 MiB on one partition, the broker's default largest batch.
    const padded = () => {
      const envelope = templatePublished();
      envelope.data.agreementLink = `https://aka.ms/customeragreement?pad=${'x'.repeat(1000)}`;
      return envelope;
    };
    const rows = await stage(
      key,
      Array.from({ length: 1500 }, () => padded()),
    );
    expect(rows.every((r) => r.leased)).toBe(true);

    await relay.publishNow(rows);

    const order = await eventually(
      () => {
        const mine = onTopic(key);
        expect(mine).toHaveLength(rows.length);
        return mine.map((m) => m.json.eventId);
      },
      { timeoutMs: 30000 },
    );
    expect(order).toEqual(rows.map((r) => r.id));
  });

  it('writes a row whose key has an older row waiting without the lease, and leaves it to the relay, which keeps the order', async () => {
    const key = randomUUID();
    const [older, newer] = [templatePublished(), templatePublished()];
    // The older row was written for the relay rounds (no lease), e.g. by an HTTP command.
    await bed
      .dataSource()
      .transaction((m) =>
        enqueueEvents(m, SCHEMA, [{ topic: Topics.AgreementsTemplates, key, envelope: older }]),
      );
    const newerRows = await stage(key, [newer]);
    expect(newerRows.map((r) => r.leased)).toEqual([false]);

    await relay.publishNow(newerRows);

    // Anything publishNow sent went to the key's partition before the marker.
    await bed.markerArrived(key);
    expect(eventIdsOnTopic(key, [older.eventId, newer.eventId])).toEqual([]);
    expect(await outboxIds(key)).toEqual([older.eventId, newer.eventId]);

    await relay.drain();
    await eventually(() =>
      expect(eventIdsOnTopic(key, [older.eventId, newer.eventId])).toEqual([older.eventId, newer.eventId]),
    );
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
    const envelope = templatePublished();
    // Another instance wrote it under its lease and died before sending it.
    await stage(key, [envelope], { owner: randomUUID(), seconds: 60 });

    await relay.drain();
    expect(await outboxIds(key)).toEqual([envelope.eventId]);

    // Its lease runs out (moved into the past rather than waited for).
    await bed
      .dataSource()
      .query(`UPDATE ${SCHEMA}.outbox SET lease_until = now() - interval '1 second' WHERE id = $1`, [
        envelope.eventId,
      ]);
    await relay.drain();
    expect(await outboxIds(key)).toEqual([]);
    await eventually(() => expect(onTopic(key).map((m) => m.json.eventId)).toEqual([envelope.eventId]));
  });

  it('gives the rows of a failed send back to the relay rounds, and hands later rows to them too', async () => {
    const [key, otherKey] = [randomUUID(), randomUUID()];
    // The real producer, whose first send fails as if the broker were away.
    const flaky = {
      sendBatch: jest
        .fn()
        .mockRejectedValueOnce(new Error('broker away'))
        .mockImplementation((batch: Parameters<Producer['sendBatch']>[0]) => bed.producer().sendBatch(batch)),
    } as unknown as Producer;
    const failing = new OutboxRelay(bed.dataSource(), flaky, { schema: SCHEMA });
    const leaseOwners = async (ids: string[]) =>
      (
        (await bed
          .dataSource()
          .query(`SELECT lease_owner FROM ${SCHEMA}.outbox WHERE id = ANY($1) ORDER BY seq`, [
            ids,
          ])) as Array<{
          lease_owner: string | null;
        }>
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
    await Promise.all([bed.markerArrived(key), bed.markerArrived(otherKey)]);
    const ours = [first[0].id, second[0].id, third[0].id];
    expect([...eventIdsOnTopic(key, ours), ...eventIdsOnTopic(otherKey, ours)]).toEqual([]);

    await relay.drain();
    await eventually(() => {
      expect(eventIdsOnTopic(key, ours)).toEqual([first[0].id, second[0].id]);
      expect(eventIdsOnTopic(otherKey, ours)).toEqual([third[0].id]);
    });
  });
});
