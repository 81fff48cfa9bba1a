import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client, QueryResult } from 'pg';
import { buildEnvelope, EventEnvelope, Topics } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
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
import { AttestationModule } from '../attestation.module';
import { attestationBody } from '../attestation.fixtures';
import { ATTESTATION_SCHEMA } from '../config';
import { RELATIONSHIPS_CONSUMER } from './partners-relationships.consumer';

/**
 * S-05, S-01 in the attestation service's copy of `partners.relationships`, on the real broker and
 * database: an old relationship fact published again under a new eventId never re-opens a later
 * termination, and a later fact never changes a tenant's cloud.
 */
describe('S-05, S-01: replayed and late relationship facts in the attestation service', () => {
  const kafka = testKafka('attestation-late-facts');
  let db: TestDatabase;
  let service: RunningService;
  let producer: Producer;
  let pg: Client;

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  const fact = (eventType: string, data: object, at = new Date()) =>
    buildEnvelope(eventType, data, { producer: 'reseller-relationship', occurredAt: at });
  const replayOf = (e: EventEnvelope) => ({ ...e, eventId: randomUUID() });

  beforeAll(async () => {
    db = await createTestDatabase('attestation_late_facts');
    service = await startService('attestation', (c) => AttestationModule.forRoot(c, {}, {}), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('attestation-late'),
    });
    producer = await connectedProducer(kafka);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await producer?.disconnect();
    await service?.close();
    await db?.drop();
  });

  /** Publishes the facts on `partners.relationships` and waits until the service applied them. */
  async function publish(key: string, ...facts: EventEnvelope[]): Promise<void> {
    for (const f of facts)
      await producer.send({
        topic: Topics.PartnersRelationships,
        acks: -1,
        messages: [{ key, value: JSON.stringify(f) }],
      });
    await eventually(
      async () => {
        const { rows } = await runSql<QueryResult<{ n: number }>>(
          pg,
          sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'processed_events')}
               WHERE consumer = ${RELATIONSHIPS_CONSUMER} AND event_id = ANY(${facts.map((f) => f.eventId)})`,
        );
        expect(rows[0].n).toBe(facts.length);
      },
      { timeoutMs: 60000 },
    );
  }

  async function attest(partnerId: string, customerTenantId: string) {
    // A new contact each time, so that no attempt is an exact repeat of the last.
    const body = attestationBody({
      primaryContact: {
        firstName: 'Ada',
        lastName: `Lovelace ${randomUUID()}`,
        email: 'ada@contoso.example',
      },
    });
    return service
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
      .send(body);
  }

  async function registered(cloud = 'Public'): Promise<string> {
    const partnerId = randomUUID();
    await publish(
      partnerId,
      fact('PartnerRegistered', { partnerId, partnerType: 'DirectBill', cloud, name: 'Fabrikam' }),
    );
    return partnerId;
  }

  const accepted = (partnerId: string, customerTenantId: string, at: Date, cloud = 'Public') =>
    fact(
      'ResellerRelationshipAccepted',
      {
        invitationId: randomUUID(),
        partnerId,
        customerTenantId,
        acceptedAt: at.toISOString(),
        cloud,
        country: 'US',
      },
      at,
    );
  const terminated = (partnerId: string, customerTenantId: string, at: Date) =>
    fact(
      'ResellerRelationshipTerminated',
      { partnerId, customerTenantId, terminatedAt: at.toISOString(), reason: 'ended' },
      at,
    );

  it('S-05, A-17, D-08: a replayed acceptance or creation does not re-open a terminated relationship; a new acceptance does', async () => {
    const partnerId = await registered();
    const customerTenantId = randomUUID();
    const created = fact(
      'CustomerTenantCreated',
      { customerTenantId, partnerId, companyName: 'Contoso', cloud: 'Public', country: 'US' },
      minutesAgo(10),
    );
    const invited = accepted(partnerId, customerTenantId, minutesAgo(8));
    const ended = terminated(partnerId, customerTenantId, minutesAgo(5));
    await publish(customerTenantId, created, invited, ended);
    expect((await attest(partnerId, customerTenantId)).body).toMatchObject({
      errorName: 'NoActiveResellerRelationship',
    });

    await publish(customerTenantId, replayOf(invited), replayOf(created));
    const afterReplay = await attest(partnerId, customerTenantId);
    expect(afterReplay.status).toBe(403);
    expect(afterReplay.body).toMatchObject({ errorName: 'NoActiveResellerRelationship' });

    // The other order: accepted again for real, then the old termination replayed.
    await publish(customerTenantId, accepted(partnerId, customerTenantId, minutesAgo(1)), replayOf(ended));
    expect((await attest(partnerId, customerTenantId)).status).toBe(201);
  });

  it('S-01, A-07: a later acceptance naming a national cloud does not change the cloud of a tenant created in the public cloud', async () => {
    const partnerId = await registered();
    const other = await registered('UsGovernment');
    const customerTenantId = randomUUID();
    await publish(
      customerTenantId,
      fact(
        'CustomerTenantCreated',
        { customerTenantId, partnerId, companyName: 'Contoso', cloud: 'Public', country: 'US' },
        minutesAgo(5),
      ),
      accepted(other, customerTenantId, minutesAgo(2), 'UsGovernment'),
    );
    const res = await attest(partnerId, customerTenantId);
    expect(res.status).toBe(201);
  });
});
