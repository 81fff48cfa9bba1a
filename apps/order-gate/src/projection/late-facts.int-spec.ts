import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { KnownEventEnvelope, OrderKind, OrderRequestedV1, Topics } from '@app/contracts';
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
} from '@app/testing';
import { quoteIdent } from '@app/messaging';
import { ORDER_GATE_SCHEMA } from '../config';
import { OrderGateModule } from '../order-gate.module';
import { diffProjections } from '../rebuild/rebuild-projection';
import { applyWrites } from './apply-writes';
import { writesOf } from './evolve';
import { FACTS_CONSUMER } from './facts.consumer';
import { allProjectionTablesUp, PROJECTION_CONTENT } from './projection-schema';
import {
  givenAttested,
  givenCustomerCreated,
  givenEnhancedFinalized,
  givenEnhancedOutcome,
  givenEnhancedStarted,
  givenPartnerRegistered,
  givenRelationshipAccepted,
  givenTerminated,
  givenWithdrawn,
  replayOf,
} from './facts.fixtures';

/**
 * S-05, S-01 on the real broker and database: facts published as their producers would, then an old
 * one published again under a new eventId (a copy under the same eventId is deduplicated anyway);
 * the gate's pre-check must still answer from the later state.
 */
describe('S-05, S-01: replayed and late facts in the gate', () => {
  const kafka = testKafka('gate-late-facts');
  let db: TestDatabase;
  let gate: RunningService;
  let producer: Producer;
  let pg: Client;

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  beforeAll(async () => {
    db = await createTestDatabase('gate_late_facts');
    gate = await startService('order-gate', (c) => OrderGateModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('gate-late'),
    });
    producer = await connectedProducer(kafka);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await producer?.disconnect();
    await gate?.close();
    await db?.drop();
  });

  /** Publishes the facts (each with its customer, or its partner, as key) and waits until the gate applied them. */
  async function publish(topic: string, ...facts: KnownEventEnvelope[]): Promise<void> {
    for (const fact of facts) {
      const data = fact.data as { customerTenantId?: string; partnerId: string };
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: data.customerTenantId ?? data.partnerId, value: JSON.stringify(fact) }],
      });
    }
    const ids = facts.map((f) => f.eventId);
    await eventually(
      async () => {
        const { rows } = await pg.query(
          `SELECT count(*)::int AS n FROM ${quoteIdent(ORDER_GATE_SCHEMA)}.processed_events WHERE consumer = $1 AND event_id = ANY($2)`,
          [FACTS_CONSUMER, ids],
        );
        expect(rows[0].n).toBe(ids.length);
      },
      { timeoutMs: 60000 },
    );
  }

  async function precheck(partnerId: string, customerTenantId: string, kind: OrderKind = 'NewPurchase') {
    const order: OrderRequestedV1 = {
      orderId: `order-${randomUUID()}`,
      partnerId,
      customerTenantId,
      kind,
      channel: 'Api',
      requestedAt: new Date().toISOString(),
      subscriptionId: kind === 'NewPurchase' ? undefined : 'sub-1',
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 }],
    };
    const auth = await bearer({ tenantId: partnerId, roles: ['SalesAgent'] });
    return eventually(async () => {
      const res = await gate.http().post('/v1/orders/precheck').set('Authorization', auth).send(order);
      expect(res.status).toBe(200);
      return res.body as { outcome: string; reason: string; evidence: { acceptanceEventId: string | null } };
    });
  }

  async function registeredPartnerWithCustomer(cloud = 'Public') {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    await publish(Topics.PartnersRelationships, givenPartnerRegistered(partnerId, cloud));
    await publish(
      Topics.PartnersRelationships,
      givenCustomerCreated(partnerId, customerTenantId, minutesAgo(10), cloud),
    );
    return { partnerId, customerTenantId };
  }

  it('S-05, A-12: a replayed attestation does not clear its withdrawal; a re-attestation made after it does', async () => {
    const { partnerId, customerTenantId } = await registeredPartnerWithCustomer();
    const first = givenAttested(partnerId, customerTenantId, minutesAgo(5));
    const withdrawal = givenWithdrawn(first, minutesAgo(4));
    await publish(Topics.AgreementsAcceptance, first, withdrawal);
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({ reason: 'AcceptanceWithdrawn' });

    await publish(Topics.AgreementsAcceptance, replayOf(first));
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({
      outcome: 'Blocked',
      reason: 'AcceptanceWithdrawn',
    });
    expect(await precheck(partnerId, customerTenantId, 'AutoRenewal')).toMatchObject({
      reason: 'AcceptanceWithdrawn',
    });

    const again = givenAttested(partnerId, customerTenantId, minutesAgo(1));
    await publish(Topics.AgreementsAcceptance, again);
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({
      outcome: 'Approved',
      reason: 'AcceptanceConfirmed',
      evidence: { acceptanceEventId: again.eventId },
    });

    // The other order: the old withdrawal replayed after the re-attestation, and the first attestation again.
    await publish(Topics.AgreementsAcceptance, replayOf(withdrawal), replayOf(first));
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({
      outcome: 'Approved',
      reason: 'AcceptanceConfirmed',
      evidence: { acceptanceEventId: again.eventId },
    });
  });

  it('S-05, A-08: an older attestation replayed after a newer one does not become the evidence', async () => {
    const { partnerId, customerTenantId } = await registeredPartnerWithCustomer();
    const older = givenAttested(partnerId, customerTenantId, minutesAgo(5));
    const newer = givenAttested(partnerId, customerTenantId, minutesAgo(2));
    await publish(Topics.AgreementsAcceptance, older, newer, replayOf(older));
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({
      reason: 'AcceptanceConfirmed',
      evidence: { acceptanceEventId: newer.eventId },
    });
  });

  it('S-05, D-08: a replayed relationship acceptance does not re-open a terminated relationship, in either order', async () => {
    const { partnerId, customerTenantId } = await registeredPartnerWithCustomer();
    const accepted = givenRelationshipAccepted(partnerId, customerTenantId, minutesAgo(6));
    const terminated = givenTerminated(partnerId, customerTenantId, minutesAgo(3));
    await publish(Topics.AgreementsAcceptance, givenAttested(partnerId, customerTenantId, minutesAgo(5)));
    await publish(Topics.PartnersRelationships, accepted, terminated);
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({ reason: 'NoResellerRelationship' });

    await publish(Topics.PartnersRelationships, replayOf(accepted));
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({ reason: 'NoResellerRelationship' });

    // Accepted again for real, then the old termination replayed: the relationship stays active.
    await publish(
      Topics.PartnersRelationships,
      givenRelationshipAccepted(partnerId, customerTenantId, minutesAgo(1)),
      replayOf(terminated),
    );
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({ reason: 'AcceptanceConfirmed' });
  });

  it('S-01: NationalCloudExempt comes only from the fact that created the tenant; a later fact never changes its cloud', async () => {
    const { partnerId, customerTenantId } = await registeredPartnerWithCustomer('Public');
    const other = randomUUID();
    await publish(Topics.PartnersRelationships, givenPartnerRegistered(other, 'UsGovernment'));
    await publish(
      Topics.PartnersRelationships,
      givenRelationshipAccepted(other, customerTenantId, minutesAgo(2), 'UsGovernment'),
    );
    expect(await precheck(partnerId, customerTenantId)).toMatchObject({
      outcome: 'Blocked',
      reason: 'AcceptanceMissing',
    });
    expect(await precheck(other, customerTenantId)).toMatchObject({
      outcome: 'Blocked',
      reason: 'AcceptanceMissing',
    });

    // A tenant created in a national cloud is exempt, and a later acceptance stating Public changes nothing.
    const national = await registeredPartnerWithCustomer('UsGovernment');
    await publish(
      Topics.PartnersRelationships,
      givenRelationshipAccepted(randomUUID(), national.customerTenantId, minutesAgo(1), 'Public'),
    );
    expect(await precheck(national.partnerId, national.customerTenantId)).toMatchObject({
      outcome: 'Approved',
      reason: 'NationalCloudExempt',
    });
  });

  it('S-05: gate:rebuild builds the same tables as the migrations, so a rebuilt projection can equal the live one', async () => {
    const scratch = `rebuild_shape_${randomUUID().slice(0, 8)}`;
    await pg.query(`CREATE SCHEMA ${scratch}`);
    for (const sql of allProjectionTablesUp(scratch)) await pg.query(sql);
    const shape = async (schema: string) =>
      (
        await pg.query(
          `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = ANY($2) ORDER BY table_name, column_name`,
          [schema, Object.keys(PROJECTION_CONTENT)],
        )
      ).rows;
    const live = await shape(ORDER_GATE_SCHEMA);
    expect(live.length).toBeGreaterThan(0);
    expect(await shape(scratch)).toEqual(live);

    // The rebuild's comparison runs on those tables: the same facts applied to both give no difference.
    const twin = `${scratch}_twin`;
    await pg.query(`CREATE SCHEMA ${twin}`);
    for (const sql of allProjectionTablesUp(twin)) await pg.query(sql);
    const attestation = givenAttested(randomUUID(), randomUUID(), minutesAgo(3));
    const started = givenEnhancedStarted(randomUUID(), randomUUID(), minutesAgo(3));
    const facts = [
      attestation,
      givenWithdrawn(attestation, minutesAgo(2)),
      replayOf(attestation),
      started,
      givenEnhancedFinalized(started, minutesAgo(1)),
    ];
    const db = { query: (sql: string, params?: unknown[]) => pg.query(sql, params).then((r) => r.rows) };
    for (const schema of [scratch, twin])
      for (const f of facts) await applyWrites(db as Pick<DataSource, 'query'>, schema, writesOf(f));
    expect(await diffProjections(db as DataSource, scratch, twin)).toEqual([]);
    await applyWrites(
      db as Pick<DataSource, 'query'>,
      twin,
      writesOf(givenAttested(randomUUID(), randomUUID(), minutesAgo(1))),
    );
    expect(await diffProjections(db as DataSource, scratch, twin)).toHaveLength(1);
    // G-15: the enhanced attestation's status is content the rebuild compares.
    const pending = givenEnhancedStarted(randomUUID(), randomUUID(), minutesAgo(3));
    for (const schema of [scratch, twin])
      await applyWrites(db as Pick<DataSource, 'query'>, schema, writesOf(pending));
    await applyWrites(
      db as Pick<DataSource, 'query'>,
      twin,
      writesOf(givenEnhancedOutcome(pending, 'Cancelled', minutesAgo(1))),
    );
    const diff = await diffProjections(db as DataSource, scratch, twin);
    expect(diff.filter((line) => line.startsWith('enhanced_attestations'))).toHaveLength(2);
  });
});
