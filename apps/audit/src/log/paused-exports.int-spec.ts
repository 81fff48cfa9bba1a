import { randomUUID } from 'crypto';
import { ClientRequest, IncomingMessage, request } from 'http';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildEnvelope, Topics } from '@app/contracts';
import { READ_POOL_DEFAULTS } from '@app/messaging';
import {
  connectedProducer,
  createTestDatabase,
  eventually,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  uniqueGroupPrefix,
} from '@app/testing';
import { AuditModule } from '../audit.module';
import { AUDIT_SCHEMA } from '../audit-schema';
import { appendToLog } from './chained-log';

const READS_APPLICATION = 'acceptance-gate/audit/reads';
const PAUSED = 30;

/**
 * U-03/S-08: exports whose readers stop reading hold connections of the read pool only. Ingest (the
 * consumer's appends) and the readiness check run on the service's own pool and go on; when the
 * readers go away, their COPYs stop and their connections are released.
 */
describe('U-03/S-08: paused exports starve nothing (real database and broker)', () => {
  const kafka = testKafka('audit-paused-exports');
  let db: TestDatabase;
  let audit: RunningService;
  let producer: Producer;
  let superuser: Client;
  let auditor: string;
  const customerTenantId = randomUUID();

  const sql = async (text: string, params: unknown[] = []) => (await superuser.query(text, params)).rows;

  /** The read pool's connections that are doing something: a running statement or an open transaction. */
  const busyReads = () =>
    sql(
      `SELECT pid, state, wait_event, left(query, 40) AS query FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1 AND state <> 'idle'`,
      [READS_APPLICATION],
    );

  beforeAll(async () => {
    db = await createTestDatabase('audit_paused_exports');
    audit = await startService('audit', (c) => AuditModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('audit-paused'),
    });
    producer = await connectedProducer(kafka);
    superuser = new Client({ connectionString: db.url });
    await superuser.connect();
    auditor = await operatorBearer(['Auditor']);

    // About 20 kB a line, 60 MB an export: more than the sockets between PostgreSQL and a reader hold.
    const padding = 'x'.repeat(20000);
    const dataSource = audit.app.get(DataSource);
    const base = Date.now();
    for (let from = 0; from < 3000; from += 500) {
      const messages = Array.from({ length: 500 }, (_, i) => {
        const envelope = buildEnvelope(
          'CustomerAgreementAccepted',
          {
            customerTenantId,
            agreementType: 'MicrosoftCustomerAgreement',
            templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
            dateAgreed: new Date().toISOString(),
            signer: { firstName: 'Alex', lastName: 'Wilber', email: 'alex@fabrikam.example' },
          },
          { producer: 'reseller-relationship' },
        );
        return {
          topic: Topics.AgreementsAcceptance,
          partition: 0,
          offset: String(base + from + i),
          key: customerTenantId,
          value: Buffer.from(JSON.stringify({ ...envelope, padding })),
          headers: {},
          timestamp: String(base),
        };
      });
      await dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, messages));
    }
  }, 120000);

  afterAll(async () => {
    await producer?.disconnect();
    await superuser?.end();
    await audit?.close();
    await db?.drop();
  });

  /** Opens an export and reads nothing of its body. */
  function pausedExport(format: 'ndjson' | 'csv'): {
    req: ClientRequest;
    response: Promise<IncomingMessage>;
  } {
    const url = new URL(`${audit.url}/v1/audit/export?format=${format}&customerTenantId=${customerTenantId}`);
    const req = request(url, { headers: { Authorization: auditor } });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
    });
    req.end();
    return { req, response };
  }

  async function ingestGoesOn(): Promise<void> {
    const envelope = buildEnvelope(
      'AgreementAttested',
      {
        attestationId: randomUUID(),
        partnerId: randomUUID(),
        customerTenantId: randomUUID(),
        agreementType: 'MicrosoftCustomerAgreement',
        templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
        dateAgreed: new Date().toISOString(),
        userId: randomUUID(),
        primaryContact: { firstName: 'Adele', lastName: 'Vance', email: 'adele@fabrikam.example' },
        channel: 'Api',
      },
      { producer: 'attestation' },
    );
    await producer.send({
      topic: Topics.AgreementsAcceptance,
      messages: [{ key: envelope.data.customerTenantId, value: JSON.stringify(envelope) }],
    });
    await eventually(
      async () =>
        expect(await sql(`SELECT 1 FROM audit.events WHERE event_id = $1`, [envelope.eventId])).toHaveLength(
          1,
        ),
      { timeoutMs: 20000 },
    );
  }

  it('U-03/S-08: 30 paused exports hold only the read pool; ingest and /health/ready go on; when the readers go, their connections are released', async () => {
    const exports = Array.from({ length: PAUSED }, (_, i) => pausedExport(i % 2 === 0 ? 'ndjson' : 'csv'));

    // The read pool's connections are all taken by COPYs waiting for readers that do not read.
    await eventually(
      async () => {
        const busy = await busyReads();
        expect(busy).toHaveLength(READ_POOL_DEFAULTS.max);
        expect(busy.every((b) => b.wait_event === 'ClientWrite' && /^COPY/.test(b.query))).toBe(true);
      },
      { timeoutMs: 30000 },
    );

    await ingestGoesOn();
    const ready = await audit.http().get('/health/ready');
    expect(ready.status).toBe(200);
    const page = await audit.http().get('/v1/audit/checkpoints/latest').set('Authorization', auditor);
    expect(page.status).toBe(200);

    // Those that found no free connection in time are told to come back, not queued forever.
    const answered = await Promise.all(exports.map((e) => e.response));
    const statuses = answered.map((res) => res.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(READ_POOL_DEFAULTS.max);
    expect(statuses.filter((s) => s === 503)).toHaveLength(PAUSED - READ_POOL_DEFAULTS.max);
    expect(answered.find((res) => res.statusCode === 503)!.headers['retry-after']).toMatch(/^\d+$/);
    // Still hanging, and still no harm done.
    expect(await busyReads()).toHaveLength(READ_POOL_DEFAULTS.max);
    await ingestGoesOn();
    expect((await audit.http().get('/health/ready')).status).toBe(200);

    for (const e of exports) e.req.destroy();
    await eventually(async () => expect(await busyReads()).toEqual([]), { timeoutMs: 20000 });

    // And the pool serves the next reader at once.
    const again = await audit
      .http()
      .get('/v1/audit/events')
      .query({ customerTenantId, limit: 1 })
      .set('Authorization', auditor);
    expect(again.status).toBe(200);
    expect(again.body.items).toHaveLength(1);
  });
});
