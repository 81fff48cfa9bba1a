import { randomUUID } from 'crypto';
import { ClientRequest, IncomingMessage, request } from 'http';
import { Topics } from '@app/contracts';
import { READ_POOL_DEFAULTS } from '@app/messaging';
import { eventually } from '@app/testing';
import { auditHarness, events, givenRunningAudit, inboundMessage } from '../audit.harness';
import { AUDIT_SCHEMA } from '../audit-schema';

const READS_APPLICATION = `acceptance-gate/${AUDIT_SCHEMA}/reads`;
const PAUSED = 30;

/**
 * U-03/S-08: exports whose readers stop reading hold connections of the read pool only. Ingest (the
 * consumer's appends) and the readiness check run on the service's own pool and go on; when the
 * readers go away, their COPYs stop and their connections are released.
 */
describe('U-03/S-08: paused exports starve nothing (real database and broker)', () => {
  const sut = givenRunningAudit('audit-paused-exports');
  const audit = auditHarness(sut);
  const customerTenantId = randomUUID();

  /** The read pool's connections that are doing something: a running statement or an open transaction. */
  const busyReads = async () =>
    (
      await sut.pg.query(
        `SELECT pid, state, wait_event, left(query, 40) AS query FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND state <> 'idle'`,
        [READS_APPLICATION],
      )
    ).rows;

  beforeAll(async () => {
    // About 20 kB a line, 60 MB an export: more than the sockets between PostgreSQL and a reader hold.
    const padding = 'x'.repeat(20000);
    const base = Date.now();
    for (let from = 0; from < 3000; from += 500) {
      const messages = Array.from({ length: 500 }, (_, i) =>
        inboundMessage({
          topic: Topics.AgreementsAcceptance,
          partition: 0,
          offset: String(base + from + i),
          key: customerTenantId,
          value: JSON.stringify({ ...events.customerAccepted(customerTenantId), padding }),
          timestamp: String(base),
        }),
      );
      await audit.append(messages);
    }
  }, 120000);

  /** Opens an export and reads nothing of its body. */
  function pausedExport(
    format: 'ndjson' | 'csv',
    authorization: string,
  ): { req: ClientRequest; response: Promise<IncomingMessage> } {
    const url = new URL(
      `${sut.service.url}/v1/audit/export?format=${format}&customerTenantId=${customerTenantId}`,
    );
    const req = request(url, { headers: { Authorization: authorization } });
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
    const event = events.attested(randomUUID(), randomUUID());
    await audit.publish(event);
    await audit.waitStored([event.eventId]);
  }

  it('U-03/S-08: 30 paused exports hold only the read pool; ingest and /health/ready go on; when the readers go, their connections are released', async () => {
    const auditor = await audit.auditor();
    const exports = Array.from({ length: PAUSED }, (_, i) =>
      pausedExport(i % 2 === 0 ? 'ndjson' : 'csv', auditor),
    );

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
    const ready = await sut.http().get('/health/ready');
    expect(ready.status).toBe(200);
    const page = await audit.get('/v1/audit/checkpoints/latest');
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
    expect((await sut.http().get('/health/ready')).status).toBe(200);

    for (const e of exports) e.req.destroy();
    await eventually(async () => expect(await busyReads()).toEqual([]), { timeoutMs: 20000 });

    // And the pool serves the next reader at once.
    const again = await audit.get('/v1/audit/events', { customerTenantId, limit: 1 });
    expect(again.status).toBe(200);
    expect(again.body.items).toHaveLength(1);
  });
});
