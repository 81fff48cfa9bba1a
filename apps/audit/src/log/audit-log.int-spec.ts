import { randomUUID } from 'crypto';
import { IncomingMessage, request } from 'http';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  ALL_TOPICS,
  buildEnvelope,
  DLQ_HEADERS,
  dlqTopicOf,
  EVENT_TOPIC,
  EventEnvelope,
  EventType,
  Topics,
  TOPIC_WRITERS,
} from '@app/contracts';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  uniqueGroupPrefix,
  operatorBearer,
} from '@app/testing';
import { AuditModule } from '../audit.module';
import { chainHash, ChainedRow, rowContent } from './audit-chain';
import { AUDIT_SCHEMA } from '../audit-schema';
import { appendToLog } from './chained-log';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const now = () => new Date().toISOString();
const env = (type: EventType, data: object, occurredAt?: Date) =>
  buildEnvelope(type, data, { producer: TOPIC_WRITERS[EVENT_TOPIC[type]][0], occurredAt });

const events = {
  attested: (partnerId: string, customerTenantId: string) =>
    env('AgreementAttested', {
      attestationId: randomUUID(),
      partnerId,
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed: now(),
      userId: randomUUID(),
      primaryContact: { firstName: 'Adele', lastName: 'Vance', email: 'adele@fabrikam.example' },
      channel: 'Api',
    }),
  customerAccepted: (customerTenantId: string, viaPartnerId?: string) =>
    env('CustomerAgreementAccepted', {
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed: now(),
      signer: { firstName: 'Alex', lastName: 'Wilber', email: 'alex@fabrikam.example' },
      ...(viaPartnerId ? { viaPartnerId } : {}),
    }),
  relationshipAccepted: (partnerId: string, customerTenantId: string) =>
    env('ResellerRelationshipAccepted', {
      invitationId: randomUUID(),
      partnerId,
      customerTenantId,
      acceptedAt: now(),
      cloud: 'Public',
      country: 'US',
    }),
  tenantCreated: (partnerId: string, customerTenantId: string) =>
    env('CustomerTenantCreated', {
      customerTenantId,
      partnerId,
      companyName: 'Fabrikam',
      cloud: 'Public',
      country: 'US',
    }),
  partnerRegistered: (partnerId: string) =>
    env('PartnerRegistered', { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Contoso' }),
  templatePublished: () =>
    env('AgreementTemplatePublished', {
      templateId: randomUUID(),
      agreementType: 'MicrosoftCustomerAgreement',
      versionRank: 9,
      agreementLink: 'https://aka.ms/customeragreement',
      publishedAt: now(),
    }),
  orderRequested: (partnerId: string, customerTenantId: string, orderId: string, occurredAt?: Date) =>
    env(
      'OrderRequested',
      {
        orderId,
        partnerId,
        customerTenantId,
        kind: 'NewPurchase',
        channel: 'Api',
        requestedAt: now(),
        lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 5 }],
      },
      occurredAt,
    ),
  decided: (
    partnerId: string,
    customerTenantId: string,
    orderId: string,
    acceptance: EventEnvelope<any> | null,
  ) =>
    env(acceptance ? 'OrderApproved' : 'OrderBlocked', {
      orderId,
      partnerId,
      customerTenantId,
      kind: 'NewPurchase',
      requestedAt: now(),
      decidedAt: now(),
      reason: acceptance ? 'AcceptanceConfirmed' : 'AcceptanceMissing',
      message: acceptance ? 'Approved.' : 'Blocked: attest the Microsoft Customer Agreement.',
      evidence: {
        acceptanceSource: acceptance ? 'PartnerAttestation' : null,
        agreementType: acceptance ? 'MicrosoftCustomerAgreement' : null,
        templateId: acceptance ? MCA_TEMPLATE : null,
        dateAgreed: acceptance ? acceptance.data.dateAgreed : null,
        acceptanceEventId: acceptance ? acceptance.eventId : null,
      },
      policyVersion: 'csp-acceptance-2023-04',
    }),
};

const TOPIC_OF: Record<string, string> = {
  AgreementAttested: Topics.AgreementsAcceptance,
  CustomerAgreementAccepted: Topics.AgreementsAcceptance,
  ResellerRelationshipAccepted: Topics.PartnersRelationships,
  CustomerTenantCreated: Topics.PartnersRelationships,
  PartnerRegistered: Topics.PartnersRelationships,
  AgreementTemplatePublished: Topics.AgreementsTemplates,
  OrderRequested: Topics.OrdersRequested,
  OrderApproved: Topics.OrdersDecided,
  OrderBlocked: Topics.OrdersDecided,
};

describe('audit service: the chained, append-only log (real broker, real database)', () => {
  const kafka = testKafka('audit-int');
  let db: TestDatabase;
  let audit: RunningService;
  let producer: Producer;
  let superuser: Client;
  let auditor: string;

  async function publish(...envelopes: EventEnvelope<any>[]): Promise<void> {
    for (const e of envelopes) {
      const key = (e.data as { customerTenantId?: string }).customerTenantId ?? randomUUID();
      await producer.send({ topic: TOPIC_OF[e.eventType], messages: [{ key, value: JSON.stringify(e) }] });
    }
  }

  async function storedCount(eventIds: string[]): Promise<number> {
    const [row] = await sql(`SELECT count(*)::int AS n FROM audit.events WHERE event_id = ANY($1)`, [
      eventIds,
    ]);
    return row.n;
  }

  async function waitStored(eventIds: string[], expected = eventIds.length): Promise<void> {
    await eventually(async () => expect(await storedCount(eventIds)).toBe(expected), { timeoutMs: 30000 });
  }

  async function sql(text: string, params: unknown[] = []): Promise<any[]> {
    return (await superuser.query(text, params)).rows;
  }

  /**
   * A partner registered as reseller-relationship registers one (S-03: only registered partners
   * read their events), once the log holds the registration. Returns its id and the event's id.
   */
  async function registeredPartner(): Promise<{ partnerId: string; registrationEventId: string }> {
    const partnerId = randomUUID();
    const registration = buildEnvelope(
      'PartnerRegistered',
      { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Contoso' },
      { producer: 'reseller-relationship' },
    );
    await producer.send({
      topic: Topics.PartnersRelationships,
      messages: [{ key: partnerId, value: JSON.stringify(registration) }],
    });
    await waitStored([registration.eventId]);
    return { partnerId, registrationEventId: registration.eventId };
  }

  const get = (path: string, token: string, query: Record<string, unknown> = {}) =>
    audit.http().get(path).query(query).set('Authorization', token);

  beforeAll(async () => {
    db = await createTestDatabase('audit_log');
    audit = await startService('audit', (c) => AuditModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('audit'),
    });
    producer = await connectedProducer(kafka);
    superuser = new Client({ connectionString: db.url });
    await superuser.connect();
    auditor = await operatorBearer(['Auditor']);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await superuser?.end();
    await audit?.close();
    await db?.drop();
  });

  describe('U-01 ingest', () => {
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
      expect(new Set(originals.map((e) => TOPIC_OF[e.eventType]))).toEqual(new Set(ALL_TOPICS));
      const before = Date.now();
      await publish(...originals);
      for (const e of originals) {
        await producer.send({
          topic: dlqTopicOf(TOPIC_OF[e.eventType]),
          messages: [
            {
              key: customerTenantId,
              value: JSON.stringify(e),
              headers: {
                [DLQ_HEADERS.reason]: 'rejected: test',
                [DLQ_HEADERS.sourceTopic]: TOPIC_OF[e.eventType],
              },
            },
          ],
        });
      }
      const ids = originals.map((e) => e.eventId);
      // Each event is kept once per topic: once on its topic, once as its dead-letter copy.
      await waitStored(ids, ids.length * 2);

      const rows = await sql(
        `SELECT topic, event_id FROM audit.events WHERE event_id = ANY($1) ORDER BY seq`,
        [ids],
      );
      for (const e of originals) {
        const topics = rows
          .filter((r: { event_id: string }) => r.event_id === e.eventId)
          .map((r: any) => r.topic);
        expect(topics.sort()).toEqual([TOPIC_OF[e.eventType], dlqTopicOf(TOPIC_OF[e.eventType])].sort());
      }

      const res = await get('/v1/audit/events', auditor, { orderId });
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

    it('U-01: a redelivered event is stored once, whether it comes again in another batch or in the same one', async () => {
      const customerTenantId = randomUUID();
      const event = events.attested(randomUUID(), customerTenantId);
      const marker = events.attested(randomUUID(), customerTenantId);
      await publish(event);
      await waitStored([event.eventId]);
      const value = JSON.stringify(event);
      await producer.send({
        topic: Topics.AgreementsAcceptance,
        messages: [
          { key: customerTenantId, value },
          { key: customerTenantId, value },
          { key: customerTenantId, value: JSON.stringify(marker) },
        ],
      });
      await waitStored([marker.eventId]);
      expect(await storedCount([event.eventId])).toBe(1);
    });

    it('U-01: a message that is not JSON is kept as raw bytes with the reason, and the same message delivered again once', async () => {
      const customerTenantId = randomUUID();
      await producer.send({
        topic: Topics.OrdersRequested,
        messages: [{ key: customerTenantId, value: '<order seats="5"/>' }],
      });
      const item = await eventually(async () => {
        const res = await get('/v1/audit/events', auditor, { limit: 1000 });
        const mine = res.body.items.filter((i: any) => i.key === customerTenantId);
        expect(mine).toHaveLength(1);
        return mine[0];
      });
      expect(item.envelope).toBeNull();
      expect(Buffer.from(item.raw, 'base64').toString()).toBe('<order seats="5"/>');
      expect(item.invalidReason).toMatch(/not valid JSON/);

      // Kafka redelivers a message at the same place after a crash before the offset commit.
      const dataSource = audit.app.get(DataSource);
      const again = {
        topic: item.topic,
        partition: item.partition,
        offset: item.offset,
        key: item.key,
        value: Buffer.from('<order seats="5"/>'),
        headers: {},
        timestamp: String(Date.parse(item.kafkaTimestamp)),
      };
      const added = await dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, [again, again]));
      expect(added).toBe(0);
      const [count] = await sql(`SELECT count(*)::int AS n FROM audit.events WHERE key = $1`, [
        customerTenantId,
      ]);
      expect(count.n).toBe(1);
    });

    it('U-01: a message whose reason or key would hold a NUL or half a surrogate pair is kept, with U+FFFD in their place, and the chain still verifies', async () => {
      const key = `${randomUUID()}\u0000`;
      const message = (value: string, offset: number) => ({
        topic: Topics.AgreementsTemplates,
        partition: 0,
        offset: String(offset),
        key,
        value: Buffer.from(value),
        headers: {},
        timestamp: String(Date.now()),
      });
      // V8's JSON.parse quotes the message in its error, and may cut a surrogate pair in two doing so.
      const nul = message('ab\u0000c', 900000001);
      const cutPair = message(`${'\u{1f600}'.repeat(5)}x`, 900000002);
      const dataSource = audit.app.get(DataSource);

      expect(await dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, [nul, cutPair]))).toBe(2);

      const rows = await sql(
        `SELECT key, invalid_reason, raw FROM audit.events WHERE key = $1 ORDER BY seq`,
        [key.replace('\u0000', '\ufffd')],
      );
      expect(rows.map((r) => r.raw.toString())).toEqual(['ab\u0000c', `${'\u{1f600}'.repeat(5)}x`]);
      expect(rows[0].invalid_reason).toContain('ab\ufffdc');
      expect(rows[1].invalid_reason).toContain("'\ufffd'");
      expect((await get('/v1/audit/verify', auditor)).body).toMatchObject({ ok: true });
    });

    it('U-01: a chunk that mixes stored and new events appends only the new ones, in order and without a gap in the chain', async () => {
      const customerTenantId = randomUUID();
      const stored = events.attested(randomUUID(), customerTenantId);
      await publish(stored);
      await waitStored([stored.eventId]);
      const fresh = [1, 2].map(() => events.relationshipAccepted(randomUUID(), customerTenantId));
      const message = (e: EventEnvelope<any>, offset: number) => ({
        topic: TOPIC_OF[e.eventType],
        partition: 1,
        offset: String(offset),
        key: customerTenantId,
        value: Buffer.from(JSON.stringify(e)),
        headers: {},
        timestamp: String(Date.now()),
      });
      const dataSource = audit.app.get(DataSource);

      let headLockedUntilCommit: unknown;
      const added = await dataSource.transaction(async (m) => {
        const appended = await appendToLog(m, AUDIT_SCHEMA, [
          message(fresh[0], 910000001),
          message(stored, 910000002),
          message(fresh[1], 910000003),
        ]);
        // The retry after the stored event rolled back to a savepoint that had moved the head: still locked.
        headLockedUntilCommit = await sql(`SELECT seq FROM audit.chain_head FOR UPDATE NOWAIT`).catch(
          (e) => e,
        );
        return appended;
      });

      expect(added).toBe(2);
      expect(String(headLockedUntilCommit)).toMatch(/could not obtain lock/);
      const rows = await sql(`SELECT event_id FROM audit.events WHERE customer_tenant_id = $1 ORDER BY seq`, [
        customerTenantId,
      ]);
      expect(rows.map((r) => r.event_id)).toEqual([stored.eventId, fresh[0].eventId, fresh[1].eventId]);
      expect((await get('/v1/audit/verify', auditor)).body).toMatchObject({ ok: true });
    });

    it('U-01: an event is known by its eventId, a message without one by its place and time: two events at one place and time are both kept', async () => {
      // Offsets restart when a cluster is rebuilt: a different event can land at a place and millisecond already seen.
      const customerTenantId = randomUUID();
      const [first, second] = [1, 2].map(() => events.relationshipAccepted(randomUUID(), customerTenantId));
      const timestamp = String(Date.now());
      const at = (value: string) => ({
        topic: Topics.PartnersRelationships,
        partition: 2,
        offset: '920000001',
        key: customerTenantId,
        value: Buffer.from(value),
        headers: {},
        timestamp,
      });
      const dataSource = audit.app.get(DataSource);
      const append = (value: string) =>
        dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, [at(value)]));

      expect(await append(JSON.stringify(first))).toBe(1);
      expect(await append(JSON.stringify(second))).toBe(1);
      expect(await append(JSON.stringify(first))).toBe(0);
      expect(await append('not json')).toBe(1);
      expect(await append('not json either')).toBe(0);
      expect(await storedCount([first.eventId, second.eventId])).toBe(2);
    });
  });

  describe('U-02 tamper evidence', () => {
    it('U-02: each row hashes its predecessor and its content, and verify recomputes the whole chain', async () => {
      const customerTenantId = randomUUID();
      const published = [
        events.attested(randomUUID(), customerTenantId),
        events.customerAccepted(customerTenantId),
      ];
      await publish(...published);
      await waitStored(published.map((e) => e.eventId));

      const { body } = await get('/v1/audit/events', auditor, { customerTenantId });
      const item = body.items[body.items.length - 1];
      const previous = (
        await get('/v1/audit/events', auditor, { limit: 1, cursor: cursorBefore(item.sequence - 2) })
      ).body.items[0];
      const row: ChainedRow = { ...item, envelopeJson: null, raw: null };
      const { canonicalJson } = await import('./audit-chain');
      row.envelopeJson = canonicalJson(item.envelope);
      expect(
        chainHash(Buffer.from(previous.hash, 'hex'), item.sequence, rowContent(row)).toString('hex'),
      ).toBe(item.hash);

      const verify = await get('/v1/audit/verify', auditor);
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true, firstBrokenSequence: null });
      expect(verify.body.checked).toBeGreaterThanOrEqual(item.sequence);
    });

    it('U-02: a row changed or removed by a superuser who bypasses the trigger is found by verify at its sequence', async () => {
      const customerTenantId = randomUUID();
      const published = [1, 2, 3].map(() => events.attested(randomUUID(), customerTenantId));
      await publish(...published);
      await waitStored(published.map((e) => e.eventId));
      const [target] = await sql(
        `SELECT seq::int AS seq, envelope::text AS envelope FROM audit.events WHERE event_id = $1`,
        [published[1].eventId],
      );

      const asSuperuser = async (statement: string, params: unknown[]) => {
        await sql('BEGIN');
        await sql(`SET LOCAL session_replication_role = replica`);
        await sql(statement, params);
        await sql('COMMIT');
      };
      await asSuperuser(
        `UPDATE audit.events SET envelope = jsonb_set(envelope, '{data,dateAgreed}', '"2019-01-01T00:00:00.000Z"') WHERE seq = $1`,
        [target.seq],
      );
      const tampered = await get('/v1/audit/verify', auditor);
      expect(tampered.body).toMatchObject({ ok: false, firstBrokenSequence: target.seq });
      expect(tampered.body.checked).toBe(target.seq);

      await asSuperuser(`UPDATE audit.events SET envelope = $2::jsonb WHERE seq = $1`, [
        target.seq,
        target.envelope,
      ]);
      expect((await get('/v1/audit/verify', auditor)).body).toMatchObject({
        ok: true,
        firstBrokenSequence: null,
      });

      const [saved] = await sql(`SELECT * FROM audit.events WHERE seq = $1`, [target.seq]);
      await asSuperuser(`DELETE FROM audit.events WHERE seq = $1`, [target.seq]);
      expect((await get('/v1/audit/verify', auditor)).body).toMatchObject({
        ok: false,
        firstBrokenSequence: target.seq,
      });
      const columns = Object.keys(saved);
      await sql(
        `INSERT INTO audit.events (${columns.map((c) => `"${c}"`).join(',')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(',')})`,
        columns.map((c) => (c === 'envelope' || c === 'headers' ? JSON.stringify(saved[c]) : saved[c])),
      );
      expect((await get('/v1/audit/verify', auditor)).body).toMatchObject({ ok: true });
    });
  });

  describe('U-03 queries and export', () => {
    it('U-03: queries by partner, customer, order, event type and time range', async () => {
      const [partnerA, partnerB] = [randomUUID(), randomUUID()];
      const customerTenantId = randomUUID();
      const orderId = `order-${randomUUID()}`;
      const old = new Date('2024-01-01T00:00:00.000Z');
      const published = [
        events.attested(partnerA, customerTenantId),
        events.attested(partnerB, customerTenantId),
        events.orderRequested(partnerA, customerTenantId, orderId, old),
        events.relationshipAccepted(partnerB, customerTenantId),
      ];
      await publish(...published);
      await waitStored(published.map((e) => e.eventId));
      // Events of different topics arrive in no fixed order between them: compare as sets, in log order.
      const ids = async (query: Record<string, string>) => {
        const res = await get('/v1/audit/events', auditor, { customerTenantId, ...query });
        expect(res.status).toBe(200);
        const sequences = res.body.items.map((i: any) => i.sequence);
        expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
        return res.body.items.map((i: any) => i.eventId).sort();
      };
      const [a1, b1, order, rel] = published.map((e) => e.eventId);
      const set = (...xs: string[]) => xs.sort();
      expect(await ids({})).toEqual(set(a1, b1, order, rel));
      expect(await ids({ partnerId: partnerA })).toEqual(set(a1, order));
      expect(await ids({ orderId })).toEqual([order]);
      expect(await ids({ eventType: 'AgreementAttested' })).toEqual(set(a1, b1));
      expect(await ids({ from: '2023-12-31T00:00:00Z', to: '2024-01-02T00:00:00Z' })).toEqual([order]);
      expect(await ids({ from: '2025-01-01T00:00:00Z' })).toEqual(set(a1, b1, rel));
    });

    it('U-03: keyset pagination is stable while events are being inserted: no row skipped, none repeated', async () => {
      const partnerId = randomUUID();
      const customerTenantId = randomUUID();
      const first = Array.from({ length: 30 }, () => events.attested(partnerId, customerTenantId));
      await publish(...first);
      await waitStored(first.map((e) => e.eventId));

      const more = Array.from({ length: 30 }, () => events.attested(partnerId, customerTenantId));
      const publishing = publish(...more);
      const seen: Array<{ sequence: number; eventId: string }> = [];
      let cursor: string | undefined;
      do {
        const res = await get('/v1/audit/events', auditor, {
          customerTenantId,
          limit: 7,
          ...(cursor ? { cursor } : {}),
        });
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        expect(res.body.nextCursor).toBe(res.body.continuationToken);
        cursor = res.body.continuationToken ?? undefined;
      } while (cursor);
      await publishing;
      await waitStored(more.map((e) => e.eventId));

      const all = await get('/v1/audit/events', auditor, { customerTenantId, limit: 1000 });
      const final = all.body.items.map((i: any) => i.eventId);
      expect(final).toHaveLength(60);
      // What the pages returned is exactly the start of the final log: nothing skipped, nothing twice.
      expect(seen.map((i) => i.eventId)).toEqual(final.slice(0, seen.length));
      expect(seen.length).toBeGreaterThanOrEqual(30);
      expect(final.slice(0, 30)).toEqual(first.map((e) => e.eventId));
    });

    it('U-03: a bad cursor, filter, time range or export format is a 400 in Partner Center shape', async () => {
      const cases: Array<[Record<string, string>, number, string, string]> = [
        [{ cursor: 'not-a-cursor' }, 610400, 'InvalidCursor', '/v1/audit/events'],
        [
          { cursor: Buffer.from('v1:abc').toString('base64url') },
          610400,
          'InvalidCursor',
          '/v1/audit/events',
        ],
        [{ customerTenantId: 'fabrikam' }, 610401, 'InvalidFilter', '/v1/audit/events'],
        [{ limit: '5000' }, 610401, 'InvalidFilter', '/v1/audit/events'],
        [{ from: 'yesterday' }, 610402, 'InvalidTimeRange', '/v1/audit/events'],
        [
          { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
          610402,
          'InvalidTimeRange',
          '/v1/audit/events',
        ],
        [{ format: 'xml' }, 610403, 'UnsupportedExportFormat', '/v1/audit/export'],
        [{ orderId: 'order-\u0000' }, 610040, 'InvalidCharacters', '/v1/audit/export'],
      ];
      for (const [query, code, errorName, path] of cases) {
        const res = await get(path, auditor, query);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code, errorName, isRetryable: false });
        expect(res.body.description).toEqual(expect.any(String));
      }
    });

    it("U-03: a partner reads only its own partner's events, naming another partner is 403, a customer gets 403", async () => {
      const { partnerId: partnerA, registrationEventId } = await registeredPartner();
      const partnerB = randomUUID();
      const customerTenantId = randomUUID();
      const published = [
        events.attested(partnerA, customerTenantId),
        events.attested(partnerB, customerTenantId),
        events.customerAccepted(customerTenantId),
      ];
      await publish(...published);
      await waitStored(published.map((e) => e.eventId));
      const tokenA = await bearer({ tenantId: partnerA, roles: ['AdminAgent'] });

      const mine = await get('/v1/audit/events', tokenA, { customerTenantId });
      expect(mine.body.items.map((i: any) => i.eventId)).toEqual([published[0].eventId]);
      const unfiltered = await get('/v1/audit/events', tokenA, { limit: 1000 });
      expect(unfiltered.body.items.every((i: any) => i.partnerId === partnerA)).toBe(true);
      const exported = await get('/v1/audit/export', tokenA, { format: 'ndjson' });
      const lines = exported.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.eventId)).toEqual([registrationEventId, published[0].eventId]);

      const other = await get('/v1/audit/events', tokenA, { partnerId: partnerB });
      expect(other.status).toBe(403);
      expect(other.body).toMatchObject({ code: 610404, errorName: 'OtherPartnerForbidden' });
      expect((await get('/v1/audit/verify', tokenA)).status).toBe(403);

      const customer = await bearer({ tenantId: customerTenantId, roles: ['Customer'] });
      for (const path of [
        '/v1/audit/events',
        '/v1/audit/export',
        `/v1/audit/customers/${customerTenantId}/evidence`,
      ]) {
        const res = await get(path, customer);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe(610003);
      }
    });

    it('U-03: exports NDJSON and CSV with every field of the log, filtered like the reads', async () => {
      const customerTenantId = randomUUID();
      const published = [
        events.attested(randomUUID(), customerTenantId),
        events.relationshipAccepted(randomUUID(), customerTenantId),
      ];
      await publish(...published);
      await waitStored(published.map((e) => e.eventId));
      const { body } = await get('/v1/audit/events', auditor, { customerTenantId });

      const ndjson = await get('/v1/audit/export', auditor, { customerTenantId, format: 'ndjson' });
      expect(ndjson.status).toBe(200);
      expect(ndjson.headers['content-type']).toMatch(/application\/x-ndjson/);
      expect(ndjson.text.endsWith('\n')).toBe(true);
      const lines = ndjson.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual(body.items);
      expect(lines.map((l) => l.envelope)).toEqual(published);

      const csv = await get('/v1/audit/export', auditor, { customerTenantId, format: 'csv' });
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      const [header, ...rows] = parseCsv(csv.text);
      expect(header).toEqual([
        'sequence',
        'eventId',
        'eventType',
        'topic',
        'partition',
        'offset',
        'key',
        'kafkaTimestamp',
        'receivedAt',
        'occurredAt',
        'partnerId',
        'customerTenantId',
        'orderId',
        'invalidReason',
        'hash',
        'headers',
        'envelope',
        'raw',
      ]);
      expect(rows).toHaveLength(2);
      rows.forEach((row, i) => {
        const item = body.items[i];
        const record = Object.fromEntries(header.map((h, j) => [h, row[j]]));
        expect(record).toMatchObject({
          sequence: String(item.sequence),
          eventId: item.eventId,
          eventType: item.eventType,
          topic: item.topic,
          offset: item.offset,
          key: customerTenantId,
          receivedAt: item.receivedAt,
          customerTenantId,
          invalidReason: '',
          hash: item.hash,
          raw: '',
        });
        expect(JSON.parse(record.envelope)).toEqual(published[i]);
      });
    });

    it('U-03: the export filters by values that need quoting in SQL exactly as the reads do', async () => {
      const customerTenantId = randomUUID();
      const tag = randomUUID();
      const orderIds = [
        `it's a "quote" \\ and $1 and ? ${tag}`,
        `${tag}' OR ''='`,
        `${tag}\\'; SELECT 1; --`,
      ];
      const published = orderIds.map((orderId) =>
        events.orderRequested(randomUUID(), customerTenantId, orderId),
      );
      await publish(...published);
      await waitStored(published.map((e) => e.eventId));
      for (const [i, orderId] of orderIds.entries()) {
        const read = await get('/v1/audit/events', auditor, { orderId });
        expect(read.body.items.map((item: any) => item.eventId)).toEqual([published[i].eventId]);
        const exported = await get('/v1/audit/export', auditor, { orderId, format: 'ndjson' });
        expect(exported.status).toBe(200);
        expect(
          exported.text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        ).toEqual(read.body.items);
      }
    });

    describe('a large export', () => {
      const customerTenantId = randomUUID();
      const ROWS = 3000;
      /** About 20 kB a line: 60 MB in all, more than the sockets between PostgreSQL and a reader hold. */
      const padding = 'x'.repeat(20000);

      beforeAll(async () => {
        const dataSource = audit.app.get(DataSource);
        const base = Date.now();
        for (let from = 0; from < ROWS; from += 500) {
          const messages = Array.from({ length: 500 }, (_, i) => ({
            topic: Topics.AgreementsAcceptance,
            partition: 0,
            offset: String(base + from + i),
            key: customerTenantId,
            value: Buffer.from(
              JSON.stringify({ ...events.attested(randomUUID(), customerTenantId), padding }),
            ),
            headers: {},
            timestamp: String(base),
          }));
          await dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, messages));
        }
      }, 60000);

      /** The export's COPY, while PostgreSQL runs it. */
      const runningCopies = () =>
        sql(`SELECT pid, wait_event FROM pg_stat_activity
              WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY (SELECT%'`);

      /** Adds the response's bytes to `chunks` as they come; resolves once the first have come. */
      function collect(res: IncomingMessage, chunks: Buffer[]): Promise<void> {
        return new Promise((resolve) =>
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            resolve();
          }),
        );
      }

      function startExport(): Promise<IncomingMessage> {
        const url = new URL(
          `${audit.url}/v1/audit/export?format=ndjson&customerTenantId=${customerTenantId}`,
        );
        return new Promise((resolve, reject) => {
          const req = request(url, { headers: { Authorization: auditor } }, resolve);
          req.on('error', reject);
          req.end();
        });
      }

      it('U-03: streams at the pace of its reader: while the reader waits, so does PostgreSQL, and nothing is lost', async () => {
        const res = await startExport();
        expect(res.statusCode).toBe(200);
        const chunks: Buffer[] = [];
        await collect(res, chunks);
        res.pause();
        // The reader holds back: the service stops reading PostgreSQL instead of buffering 60 MB.
        await eventually(async () =>
          expect(await runningCopies()).toEqual([expect.objectContaining({ wait_event: 'ClientWrite' })]),
        );
        const ended = new Promise((r) => res.on('end', r));
        res.resume();
        await ended;
        const lines = Buffer.concat(chunks).toString('utf8').split('\n');
        expect(lines.pop()).toBe('');
        const items = lines.map((l) => JSON.parse(l));
        expect(items).toHaveLength(ROWS);
        expect(items.every((item, i) => i === 0 || item.sequence > items[i - 1].sequence)).toBe(true);
        expect(items.every((item) => item.envelope.padding === padding)).toBe(true);
      });

      it('U-03: stops when its reader goes away, and the service exports again at once', async () => {
        const res = await startExport();
        await collect(res, []);
        res.destroy();
        await eventually(async () => expect(await runningCopies()).toEqual([]));
        const again = await get('/v1/audit/export', auditor, { customerTenantId, format: 'csv' });
        expect(again.status).toBe(200);
        expect(again.text.split('\r\n')).toHaveLength(ROWS + 2);
      });
    });
  });

  it('U-04: the evidence packet gathers the acceptances, relationships and decisions of one customer, in order', async () => {
    const { partnerId: partnerA } = await registeredPartner();
    const customerTenantId = randomUUID();
    const orderId = `order-${randomUUID()}`;
    const created = events.tenantCreated(partnerA, customerTenantId);
    const relationship = events.relationshipAccepted(partnerA, customerTenantId);
    const attested = events.attested(partnerA, customerTenantId);
    const direct = events.customerAccepted(customerTenantId);
    const request = events.orderRequested(partnerA, customerTenantId, orderId);
    const decision = events.decided(partnerA, customerTenantId, orderId, attested);
    const elsewhere = events.attested(partnerA, randomUUID());
    const published = [created, relationship, attested, direct, request, decision, elsewhere];
    await publish(...published);
    await waitStored(published.map((e) => e.eventId));

    const res = await get(`/v1/audit/customers/${customerTenantId}/evidence`, auditor);
    expect(res.status).toBe(200);
    const ids = (items: any[]) => items.map((i) => i.eventId);
    expect(res.body.customerTenantId).toBe(customerTenantId);
    expect(ids(res.body.acceptances)).toEqual([attested.eventId, direct.eventId]);
    expect(ids(res.body.relationships)).toEqual([created.eventId, relationship.eventId]);
    expect(ids(res.body.decisions)).toEqual([decision.eventId]);
    expect(res.body.acceptances[0].envelope).toEqual(attested);
    expect(res.body.truncated).toBe(false);

    // The customer's own direct acceptance names no partner: a partner's packet leaves it out.
    const partner = await get(
      `/v1/audit/customers/${customerTenantId}/evidence`,
      await bearer({ tenantId: partnerA, roles: ['HelpdeskAgent'] }),
    );
    expect(ids(partner.body.acceptances)).toEqual([attested.eventId]);
    const stranger = await get(
      `/v1/audit/customers/${customerTenantId}/evidence`,
      await bearer({ tenantId: (await registeredPartner()).partnerId, roles: ['AdminAgent'] }),
    );
    expect([
      ...stranger.body.acceptances,
      ...stranger.body.relationships,
      ...stranger.body.decisions,
    ]).toEqual([]);
  });

  it('U-05: for one order, the decision, its request, the acceptance fact it relied on and the policy version', async () => {
    const { partnerId: partnerA } = await registeredPartner();
    const customerTenantId = randomUUID();
    const approvedOrder = `order-${randomUUID()}`;
    const blockedOrder = `order-${randomUUID()}`;
    const attested = events.attested(partnerA, customerTenantId);
    const published = [
      attested,
      events.orderRequested(partnerA, customerTenantId, approvedOrder),
      events.decided(partnerA, customerTenantId, approvedOrder, attested),
      events.orderRequested(partnerA, customerTenantId, blockedOrder),
      events.decided(partnerA, customerTenantId, blockedOrder, null),
    ];
    await publish(...published);
    await waitStored(published.map((e) => e.eventId));

    const why = await get(`/v1/audit/orders/${approvedOrder}`, auditor);
    expect(why.status).toBe(200);
    expect(why.body).toMatchObject({
      orderId: approvedOrder,
      outcome: 'OrderApproved',
      reason: 'AcceptanceConfirmed',
      policyVersion: 'csp-acceptance-2023-04',
      acceptanceEventId: attested.eventId,
      decisionCount: 1,
    });
    expect(why.body.decision.eventId).toBe(published[2].eventId);
    expect(why.body.request.eventId).toBe(published[1].eventId);
    expect(why.body.acceptance.envelope).toEqual(attested);

    const blocked = await get(
      `/v1/audit/orders/${blockedOrder}`,
      await bearer({ tenantId: partnerA, roles: ['SalesAgent'] }),
    );
    expect(blocked.body).toMatchObject({
      outcome: 'OrderBlocked',
      reason: 'AcceptanceMissing',
      acceptance: null,
    });

    const stranger = await get(
      `/v1/audit/orders/${approvedOrder}`,
      await bearer({ tenantId: (await registeredPartner()).partnerId, roles: ['AdminAgent'] }),
    );
    expect(stranger.status).toBe(404);
    expect(stranger.body).toMatchObject({ code: 610405, errorName: 'OrderNotFound' });
  });

  it("U-06: the service's own connection may not UPDATE, DELETE or TRUNCATE the log, and the trigger refuses them to the owner too", async () => {
    const event = events.attested(randomUUID(), randomUUID());
    await publish(event);
    await waitStored([event.eventId]);
    const dataSource = audit.app.get(DataSource);
    await expect(
      dataSource.query(`UPDATE audit.events SET topic = 'x' WHERE event_id = $1`, [event.eventId]),
    ).rejects.toThrow(/permission denied/);
    await expect(
      dataSource.query(`DELETE FROM audit.events WHERE event_id = $1`, [event.eventId]),
    ).rejects.toThrow(/permission denied/);
    await expect(dataSource.query(`TRUNCATE audit.events`)).rejects.toThrow(/permission denied/);
    // Nor can it step around the trigger: session_replication_role is for superusers.
    await expect(
      dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL session_replication_role = replica`);
        await m.query(`DELETE FROM audit.events WHERE event_id = $1`, [event.eventId]);
      }),
    ).rejects.toThrow(/permission denied/);

    await expect(
      sql(`UPDATE audit.events SET topic = 'x' WHERE event_id = $1`, [event.eventId]),
    ).rejects.toThrow(/append-only: UPDATE/);
    await expect(sql(`DELETE FROM audit.events WHERE event_id = $1`, [event.eventId])).rejects.toThrow(
      /append-only: DELETE/,
    );
    await expect(sql(`TRUNCATE audit.events`)).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await storedCount([event.eventId])).toBe(1);
    expect((await get('/v1/audit/verify', auditor)).body.ok).toBe(true);
  });
});

function cursorBefore(sequence: number): string {
  return Buffer.from(`v1:${sequence}`).toString('base64url');
}

/** RFC 4180, enough for the export: quoted fields with doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}
