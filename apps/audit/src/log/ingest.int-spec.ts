import { randomUUID } from 'crypto';
import { ALL_TOPICS, DLQ_HEADERS, dlqTopicOf, Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { sql } from '@app/messaging';
import {
  auditHarness,
  CHAIN_HEAD,
  events,
  EVENTS,
  givenRunningAudit,
  inboundMessage,
  topicOf,
} from '../audit.harness';
import { AUDIT_SCHEMA } from '../audit-schema';
import { appendToLog } from './chained-log';

/** U-01: every message of every topic is kept once, append-only, in arrival order, with its envelope. */
describe('U-01 ingest: every message of every topic, once, in arrival order (real broker, real database)', () => {
  const sut = givenRunningAudit('audit-ingest');
  const audit = auditHarness(sut);

  it('U-01: keeps every event of every topic, the .dlq topics included, with envelope, topic, partition, offset and arrival time', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const orderId = `order-${randomUUID()}`;
    const attested = events.attested(partnerId, customerTenantId);
    const originals = [
      events.orderRequested(partnerId, customerTenantId, orderId),
      events.decided(partnerId, customerTenantId, orderId, attested),
      attested,
      events.templatePublished(),
      events.partnerRegistered(partnerId),
    ];
    expect(new Set(originals.map(topicOf))).toEqual(new Set(ALL_TOPICS));
    const before = Date.now();
    await audit.publish(...originals);
    for (const e of originals) {
      await sut.producer.send({
        topic: dlqTopicOf(topicOf(e)),
        messages: [
          {
            key: customerTenantId,
            value: JSON.stringify(e),
            headers: { [DLQ_HEADERS.reason]: 'rejected: test', [DLQ_HEADERS.sourceTopic]: topicOf(e) },
          },
        ],
      });
    }
    const ids = originals.map((e) => e.eventId);
    // Each event is kept once per topic: once on its topic, once as its dead-letter copy.
    await audit.waitStored(ids, ids.length * 2);

    const rows = await audit.rows<{ topic: string; event_id: string }>(
      sql`SELECT topic, event_id FROM ${EVENTS} WHERE event_id = ANY(${ids}) ORDER BY seq`,
    );
    for (const e of originals) {
      const topics = rows.filter((r) => r.event_id === e.eventId).map((r) => r.topic);
      expect(topics.sort()).toEqual([topicOf(e), dlqTopicOf(topicOf(e))].sort());
    }

    const res = await audit.get('/v1/audit/events', { orderId });
    expect(res.status).toBe(200);
    const request = res.body.items.find(
      (i: any) => i.eventType === 'OrderRequested' && i.topic === Topics.OrdersRequested,
    );
    expect(request).toMatchObject({
      eventId: originals[0].eventId,
      topic: Topics.OrdersRequested,
      partnerId,
      customerTenantId,
      orderId,
      envelope: originals[0],
      invalidReason: null,
      raw: null,
    });
    expect(request.partition).toEqual(expect.any(Number));
    expect(request.offset).toMatch(/^\d+$/);
    expect(Date.parse(request.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(request.hash).toMatch(/^[0-9a-f]{64}$/);
    const dlqCopy = res.body.items.find((i: any) => i.topic === dlqTopicOf(Topics.OrdersRequested));
    expect(dlqCopy.headers[DLQ_HEADERS.reason]).toBe('rejected: test');
  });

  it("U-01: keeps a partition's messages in arrival order: the log's order is the order the broker gave them", async () => {
    const customerTenantId = randomUUID();
    const sent = Array.from({ length: 12 }, () =>
      events.relationshipAccepted(randomUUID(), customerTenantId),
    );
    // One topic and one key: one partition, where the broker numbers the messages in the order they were sent.
    await sut.producer.send({
      topic: Topics.PartnersRelationships,
      messages: sent.map((e) => ({ key: customerTenantId, value: JSON.stringify(e) })),
    });
    await audit.waitStored(sent.map((e) => e.eventId));

    const { body } = await audit.get('/v1/audit/events', { customerTenantId });
    // The ids are random: any other order than arrival (by id, by time, reversed) gives another list.
    expect(body.items.map((i: any) => i.eventId)).toEqual(sent.map((e) => e.eventId));
    expect(new Set(body.items.map((i: any) => i.partition)).size).toBe(1);
    const offsets: bigint[] = body.items.map((i: any) => BigInt(i.offset));
    offsets.slice(1).forEach((offset, i) => expect(offset).toBeGreaterThan(offsets[i]));
  });

  it('U-01: a redelivered event is stored once, whether it comes again in another batch or in the same one', async () => {
    const customerTenantId = randomUUID();
    const event = events.attested(randomUUID(), customerTenantId);
    const marker = events.attested(randomUUID(), customerTenantId);
    await audit.publish(event);
    await audit.waitStored([event.eventId]);
    const value = JSON.stringify(event);
    // The marker follows on the same partition: once it is stored, so is anything sent before it.
    await sut.producer.send({
      topic: Topics.AgreementsAcceptance,
      messages: [
        { key: customerTenantId, value },
        { key: customerTenantId, value },
        { key: customerTenantId, value: JSON.stringify(marker) },
      ],
    });
    await audit.waitStored([marker.eventId]);
    expect(await audit.storedCount([event.eventId])).toBe(1);
  });

  it('U-01: a message that is not JSON is kept as raw bytes with the reason, and the same message delivered again once', async () => {
    const customerTenantId = randomUUID();
    await sut.producer.send({
      topic: Topics.OrdersRequested,
      messages: [{ key: customerTenantId, value: '<order seats="5"/>' }],
    });
    const item = await eventually(async () => {
      const res = await audit.get('/v1/audit/events', { limit: 1000 });
      const mine = res.body.items.filter((i: any) => i.key === customerTenantId);
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(item.envelope).toBeNull();
    expect(Buffer.from(item.raw, 'base64').toString()).toBe('<order seats="5"/>');
    expect(item.invalidReason).toMatch(/not valid JSON/);

    // Kafka redelivers a message at the same place after a crash before the offset commit.
    const again = inboundMessage({
      topic: item.topic,
      partition: item.partition,
      offset: item.offset,
      key: item.key,
      value: '<order seats="5"/>',
      timestamp: String(Date.parse(item.kafkaTimestamp)),
    });
    expect(await audit.append([again, again])).toBe(0);
    const [count] = await audit.rows(
      sql`SELECT count(*)::int AS n FROM ${EVENTS} WHERE key = ${customerTenantId}`,
    );
    expect(count.n).toBe(1);
  });

  it('U-01: a message whose reason or key would hold a NUL or half a surrogate pair is kept, with U+FFFD in their place, and the chain still verifies', async () => {
    const key = `${randomUUID()}\u0000`;
    const message = (value: string, offset: number) =>
      inboundMessage({ topic: Topics.AgreementsTemplates, partition: 0, offset: String(offset), key, value });
    // V8's JSON.parse quotes the message in its error, and may cut a surrogate pair in two doing so.
    const nul = message('ab\u0000c', 900000001);
    const cutPair = message(`${'\u{1f600}'.repeat(5)}x`, 900000002);

    expect(await audit.append([nul, cutPair])).toBe(2);

    const rows = await audit.rows(
      sql`SELECT key, invalid_reason, raw FROM ${EVENTS} WHERE key = ${key.replace('\u0000', '\ufffd')} ORDER BY seq`,
    );
    expect(rows.map((r) => r.raw.toString())).toEqual(['ab\u0000c', `${'\u{1f600}'.repeat(5)}x`]);
    expect(rows[0].invalid_reason).toContain('ab\ufffdc');
    expect(rows[1].invalid_reason).toContain("'\ufffd'");
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('U-01: a chunk that mixes stored and new events appends only the new ones, in order and without a gap in the chain', async () => {
    const customerTenantId = randomUUID();
    const stored = events.attested(randomUUID(), customerTenantId);
    await audit.publish(stored);
    await audit.waitStored([stored.eventId]);
    const fresh = [1, 2].map(() => events.relationshipAccepted(randomUUID(), customerTenantId));
    const message = (e: (typeof fresh)[number] | typeof stored, offset: number) =>
      inboundMessage({
        topic: topicOf(e),
        partition: 1,
        offset: String(offset),
        key: customerTenantId,
        value: JSON.stringify(e),
      });

    let headLockedUntilCommit: unknown;
    const added = await sut.dataSource().transaction(async (m) => {
      const appended = await appendToLog(m, AUDIT_SCHEMA, [
        message(fresh[0], 910000001),
        message(stored, 910000002),
        message(fresh[1], 910000003),
      ]);
      // The retry after the stored event rolled back to a savepoint that had moved the head: still locked.
      headLockedUntilCommit = await audit
        .rows(sql`SELECT seq FROM ${CHAIN_HEAD} FOR UPDATE NOWAIT`)
        .catch((e: unknown) => e);
      return appended;
    });

    expect(added).toBe(2);
    expect(String(headLockedUntilCommit)).toMatch(/could not obtain lock/);
    const rows = await audit.rows(
      sql`SELECT event_id FROM ${EVENTS} WHERE customer_tenant_id = ${customerTenantId} ORDER BY seq`,
    );
    expect(rows.map((r) => r.event_id)).toEqual([stored.eventId, fresh[0].eventId, fresh[1].eventId]);
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('U-01: an event is known by its eventId, a message without one by its place and time: two events at one place and time are both kept', async () => {
    // Offsets restart when a cluster is rebuilt: a different event can land at a place and millisecond already seen.
    const customerTenantId = randomUUID();
    const [first, second] = [1, 2].map(() => events.relationshipAccepted(randomUUID(), customerTenantId));
    const timestamp = String(Date.now());
    const at = (value: string) =>
      inboundMessage({
        topic: Topics.PartnersRelationships,
        partition: 2,
        offset: '920000001',
        key: customerTenantId,
        value,
        timestamp,
      });
    const append = (value: string) => audit.append([at(value)]);

    expect(await append(JSON.stringify(first))).toBe(1);
    expect(await append(JSON.stringify(second))).toBe(1);
    expect(await append(JSON.stringify(first))).toBe(0);
    expect(await append('not json')).toBe(1);
    expect(await append('not json either')).toBe(0);
    expect(await audit.storedCount([first.eventId, second.eventId])).toBe(2);
  });
});
