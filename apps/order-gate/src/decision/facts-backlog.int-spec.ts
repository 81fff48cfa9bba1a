import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { EventEnvelope, Topics } from '@app/contracts';
import { ConsumerRegistry, quoteIdent } from '@app/messaging';
import {
  bearer,
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
import { GateSettings, ORDER_GATE_SCHEMA } from '../config';
import { OrderGateModule } from '../order-gate.module';
import { FACTS_CONSUMER } from '../projection/facts.consumer';
import {
  givenAttested,
  givenCustomerCreated,
  givenOrderRequested,
  givenPartnerRegistered,
} from '../projection/facts.fixtures';

const now = () => new Date().toISOString();
const order = (partnerId: string, customerTenantId: string) =>
  givenOrderRequested(partnerId, customerTenantId);
const partnerRegistered = (partnerId: string) => givenPartnerRegistered(partnerId);
const customerCreated = (partnerId: string, customerTenantId: string) =>
  givenCustomerCreated(partnerId, customerTenantId, now());
const attested = (partnerId: string, customerTenantId: string) =>
  givenAttested(partnerId, customerTenantId, now(), {
    dateAgreed: new Date(Date.now() - 60000).toISOString(),
  });

/** One gate on its own database, its facts consumer under the test's control, and what it sends. */
function gateUnderTest(label: string, settings: Partial<GateSettings> = {}) {
  const kafka = testKafka(`order-gate-${label}`);
  const ctx = {} as {
    db: TestDatabase;
    gate: RunningService;
    decided: TopicRecorder;
    producer: Producer;
    pg: Client;
  };
  const groupPrefix = uniqueGroupPrefix(`gate-${label}`);
  const start = async () => {
    ctx.gate = await startService('order-gate', (c) => OrderGateModule.forRoot(c, settings), {
      databaseUrl: ctx.db.url,
      groupPrefix,
    });
  };
  beforeAll(async () => {
    ctx.db = await createTestDatabase(`order_gate_${label}`);
    await start();
    ctx.decided = await new TopicRecorder(kafka, [Topics.OrdersDecided]).start();
    ctx.producer = await connectedProducer(kafka);
    ctx.pg = new Client({ connectionString: ctx.db.url });
    await ctx.pg.connect();
  });
  afterAll(async () => {
    facts()?.resume();
    await ctx.pg?.end();
    await ctx.producer?.disconnect();
    await ctx.decided?.stop();
    await ctx.gate?.close();
    await ctx.db?.drop();
  });
  const facts = () => ctx.gate?.app.get(ConsumerRegistry).consumer(FACTS_CONSUMER);
  const send = (topic: string, key: string, ...events: EventEnvelope[]) =>
    ctx.producer.send({ topic, acks: -1, messages: events.map((e) => ({ key, value: JSON.stringify(e) })) });
  /** This gate's own record of the order (other gates on the shared broker decide it too). */
  const recorded = async (orderId: string) =>
    (
      await ctx.pg.query(
        `SELECT reason, facts_complete, decision_event_id FROM ${quoteIdent(ORDER_GATE_SCHEMA)}.decisions WHERE order_id = $1`,
        [orderId],
      )
    ).rows as Array<{ reason: string; facts_complete: boolean; decision_event_id: string }>;
  const decisionEvent = (eventId: string) =>
    eventually(() => {
      const sent = ctx.decided.on(Topics.OrdersDecided).filter((m) => m.json?.eventId === eventId);
      expect(sent).toHaveLength(1);
      return sent[0].json;
    });
  const metric = async (name: string) => {
    const text: string = (await ctx.gate.http().get('/metrics')).text;
    // `name{service="order-gate"} 1`: the platform labels every metric with its service.
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  /** A partner with a customer, both known to the gate before the test pauses its facts consumer. */
  const registeredPartner = async () => {
    const partnerId = randomUUID();
    const known = randomUUID();
    await send(Topics.PartnersRelationships, partnerId, partnerRegistered(partnerId));
    await send(Topics.PartnersRelationships, known, customerCreated(partnerId, known));
    const probe = order(partnerId, known);
    await send(Topics.OrdersRequested, known, probe);
    await eventually(async () => expect(await recorded(probe.data.orderId)).toHaveLength(1), {
      timeoutMs: 20000,
    });
    return partnerId;
  };
  return { ctx, start, facts, send, recorded, decisionEvent, metric, registeredPartner };
}

describe('G-11: orders are held while the facts they are judged on are behind (real broker and database)', () => {
  const t = gateUnderTest('backlog');

  it('G-11: with the facts consumer stopped, an order for a fact sent before it is held, then approved with factsComplete true', async () => {
    const partnerId = await t.registeredPartner();
    const customerTenantId = randomUUID();
    t.facts()!.pause();
    try {
      await t.send(
        Topics.PartnersRelationships,
        customerTenantId,
        customerCreated(partnerId, customerTenantId),
      );
      await t.send(Topics.AgreementsAcceptance, customerTenantId, attested(partnerId, customerTenantId));
      const request = order(partnerId, customerTenantId);
      await t.send(Topics.OrdersRequested, customerTenantId, request);

      // Held past the short wait: counted as held, and not decided.
      await eventually(
        async () => expect(await t.metric('order_gate_orders_held_for_facts')).toBeGreaterThan(0),
        {
          timeoutMs: 15000,
        },
      );
      expect(await t.recorded(request.data.orderId)).toEqual([]);

      t.facts()!.resume();
      const [decision] = await eventually(
        async () => {
          const rows = await t.recorded(request.data.orderId);
          expect(rows).toHaveLength(1);
          return rows;
        },
        { timeoutMs: 20000 },
      );
      expect(decision).toMatchObject({ reason: 'AcceptanceConfirmed', facts_complete: true });
      expect(await t.decisionEvent(decision.decision_event_id)).toMatchObject({
        eventType: 'OrderApproved',
        data: { orderId: request.data.orderId, reason: 'AcceptanceConfirmed', factsComplete: true },
      });
      await eventually(async () => expect(await t.metric('order_gate_orders_held_for_facts')).toBe(0));
    } finally {
      t.facts()!.resume();
    }
  });

  it('G-11: a gate stopped while it holds orders decides none of them blind; after its restart they are approved', async () => {
    const partnerId = await t.registeredPartner();
    const customerTenantId = randomUUID();
    t.facts()!.pause();
    await t.send(
      Topics.PartnersRelationships,
      customerTenantId,
      customerCreated(partnerId, customerTenantId),
    );
    await t.send(Topics.AgreementsAcceptance, customerTenantId, attested(partnerId, customerTenantId));
    const request = order(partnerId, customerTenantId);
    await t.send(Topics.OrdersRequested, customerTenantId, request);
    await eventually(
      async () => expect(await t.metric('order_gate_orders_held_for_facts')).toBeGreaterThan(0),
      {
        timeoutMs: 15000,
      },
    );

    const stopping = Date.now();
    await t.ctx.gate.close();
    expect(Date.now() - stopping).toBeLessThan(15000);
    expect(await t.recorded(request.data.orderId)).toEqual([]);

    await t.start();
    const [decision] = await eventually(
      async () => {
        const rows = await t.recorded(request.data.orderId);
        expect(rows).toHaveLength(1);
        return rows;
      },
      { timeoutMs: 30000 },
    );
    expect(decision).toMatchObject({ reason: 'AcceptanceConfirmed', facts_complete: true });
  });

  it('G-11, G-12: the pre-check answers 503 with Retry-After while the facts it needs are behind, then the answer', async () => {
    const partnerId = await t.registeredPartner();
    const customerTenantId = randomUUID();
    const auth = await bearer({ tenantId: partnerId, roles: ['SalesAgent'] });
    const probe = order(partnerId, customerTenantId).data;
    t.facts()!.pause();
    try {
      await t.send(
        Topics.PartnersRelationships,
        customerTenantId,
        customerCreated(partnerId, customerTenantId),
      );
      const unsure = await t.ctx.gate
        .http()
        .post('/v1/orders/precheck')
        .set('Authorization', auth)
        .send(probe);
      expect(unsure.status).toBe(503);
      expect(unsure.headers['retry-after']).toMatch(/^\d+$/);
      expect(unsure.body).toMatchObject({ code: 610304, errorName: 'FactsNotCaughtUp', isRetryable: true });
    } finally {
      t.facts()!.resume();
    }
    const sure = await eventually(
      async () => {
        const res = await t.ctx.gate
          .http()
          .post('/v1/orders/precheck')
          .set('Authorization', auth)
          .send(probe);
        expect(res.status).toBe(200);
        return res.body;
      },
      { timeoutMs: 20000 },
    );
    // The relationship sent while the consumer was stopped is known: the block is for the acceptance alone.
    expect(sure).toMatchObject({ outcome: 'Blocked', reason: 'AcceptanceMissing' });
  });
});

describe('G-11: past ORDER_GATE_FACTS_MAX_WAIT_MS the gate decides blind, says so and counts it', () => {
  const t = gateUnderTest('blind', { factsMaxWaitMs: 1500 });

  it('G-11: an order whose facts stay behind past the maximum is decided with factsComplete false, and counted', async () => {
    const partnerId = await t.registeredPartner();
    const customerTenantId = randomUUID();
    const before = await t.metric('order_gate_decisions_without_complete_facts_total');
    t.facts()!.pause();
    try {
      await t.send(
        Topics.PartnersRelationships,
        customerTenantId,
        customerCreated(partnerId, customerTenantId),
      );
      await t.send(Topics.AgreementsAcceptance, customerTenantId, attested(partnerId, customerTenantId));
      const request = order(partnerId, customerTenantId);
      await t.send(Topics.OrdersRequested, customerTenantId, request);

      const [decision] = await eventually(
        async () => {
          const rows = await t.recorded(request.data.orderId);
          expect(rows).toHaveLength(1);
          return rows;
        },
        { timeoutMs: 20000 },
      );
      expect(decision).toMatchObject({ reason: 'NoResellerRelationship', facts_complete: false });
      expect(await t.decisionEvent(decision.decision_event_id)).toMatchObject({
        eventType: 'OrderBlocked',
        data: { orderId: request.data.orderId, factsComplete: false },
      });
      // Every blind decision of this gate is counted (other tests' orders on the shared broker may be among them).
      const blind = await t.ctx.pg.query(
        `SELECT count(*)::int AS n FROM ${quoteIdent(ORDER_GATE_SCHEMA)}.decisions WHERE facts_complete = false`,
      );
      expect(await t.metric('order_gate_decisions_without_complete_facts_total')).toBeGreaterThanOrEqual(
        before + blind.rows[0].n,
      );
    } finally {
      t.facts()!.resume();
    }
  });
});
