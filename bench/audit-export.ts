import { randomBytes } from 'crypto';
import { request } from 'http';
import { Client } from 'pg';
import { fmt, freshDatabase, startAudit } from './audit-bench-kit';

/**
 * Export memory (U-03): seeds AUDIT_EXPORT_ROWS rows (default 1,000,000) straight into a fresh
 * database with SQL, starts the audit service as a child process, streams the NDJSON export over
 * HTTP and prints rows, seconds, throughput and the child's peak RSS (VmHWM). The seeded chain is
 * not a valid one: the export does not read it. Prints figures; asserts nothing.
 */
const ROWS = Number(process.env.AUDIT_EXPORT_ROWS ?? 1000000);
const FORMAT = process.env.AUDIT_EXPORT_FORMAT ?? 'ndjson';
/** Seeding takes minutes: AUDIT_EXPORT_KEEP=1 keeps the seeded database, AUDIT_EXPORT_DATABASE_URL reuses one. */
const REUSE = process.env.AUDIT_EXPORT_DATABASE_URL;
const KEEP = process.env.AUDIT_EXPORT_KEEP === '1';

async function seed(pg: Client): Promise<void> {
  // The first start may already have stored messages that other work on the shared broker produced:
  // the seeded rows go after them.
  const [{ seq }] = (await pg.query(`SELECT seq::int AS seq FROM audit.chain_head`)).rows;
  const last = seq + ROWS;
  const CHUNK = 100000;
  for (let from = seq + 1; from <= last; from += CHUNK) {
    const to = Math.min(last, from + CHUNK - 1);
    await pg.query(
      `INSERT INTO audit.events (seq, event_id, event_type, topic, partition, "offset", kafka_timestamp, key, headers,
          partner_id, customer_tenant_id, order_id, occurred_at, received_at, envelope, raw, invalid_reason, hash)
       SELECT g, id, 'AgreementAttested', 'agreements.acceptance', g % 6, g / 6, t, c, '{"event-type":"AgreementAttested"}',
          p, c, NULL, t, t,
          jsonb_build_object('eventId', id, 'eventType', 'AgreementAttested', 'eventVersion', 1,
            'occurredAt', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'producer', 'attestation',
            'correlationId', id, 'causationId', NULL,
            'data', jsonb_build_object('attestationId', md5('a' || g)::uuid, 'partnerId', p, 'customerTenantId', c,
              'agreementType', 'MicrosoftCustomerAgreement', 'templateId', '117a77b0-9360-443b-8795-c6dedc750cf9',
              'dateAgreed', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'userId', md5('u' || g)::uuid,
              'primaryContact', jsonb_build_object('firstName', 'Adele', 'lastName', 'Vance',
                'email', 'adele.vance@fabrikam.example'), 'channel', 'Api')),
          NULL, NULL, sha256(g::text::bytea)
       FROM (SELECT g, md5('e' || g)::uuid::text AS id, md5('p' || g % 500)::uuid::text AS p,
                    md5('c' || g % 20000)::uuid::text AS c, now() - (${last} - g) * interval '1 ms' AS t
               FROM generate_series($1::bigint, $2::bigint) g) s`,
      [from, to],
    );
    process.stdout.write(`\rseeded ${fmt(to - seq)} rows`);
  }
  await pg.query(`UPDATE audit.chain_head SET seq = $1::bigint, hash = sha256($1::bigint::text::bytea)`, [
    last,
  ]);
  await pg.query(`ANALYZE audit.events`);
  process.stdout.write('\n');
}

function streamExport(url: string, token: string): Promise<{ lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/audit/export?format=${FORMAT}`,
      { headers: { Authorization: token } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`export answered ${res.statusCode}`));
        let lines = 0;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ lines, bytes }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  console.log(`audit export bench: ${fmt(ROWS)} rows, ${FORMAT}`);
  const db = REUSE ? { url: REUSE, drop: async () => undefined } : await freshDatabase('audit_export');
  const groupPrefix = `bench-${randomBytes(4).toString('hex')}`;
  const pg = new Client({ connectionString: db.url });
  try {
    if (!REUSE) {
      // A first start migrates the schema; it is stopped while the rows are seeded behind its back.
      await (await startAudit(db.url, groupPrefix)).stop();
      await pg.connect();
      const seedStarted = Date.now();
      await seed(pg);
      console.log(`seeded in ${fmt((Date.now() - seedStarted) / 1000, 1)} s`);
    }

    const audit = await startAudit(db.url, groupPrefix);
    const idle = audit.peakRssMb();
    const started = Date.now();
    const { lines, bytes } = await streamExport(audit.url, await audit.auditorToken());
    const seconds = (Date.now() - started) / 1000;
    const rows = FORMAT === 'csv' ? lines - 1 : lines;
    console.log(
      `exported ${fmt(rows)} rows (${fmt(bytes / 1048576)} MB) in ${fmt(seconds, 1)} s: ${fmt(rows / seconds)} rows/s`,
    );
    const peakRssMb = audit.peakRssMb();
    console.log(
      `audit child peak RSS (VmHWM): ${fmt(peakRssMb)} MB (after start, before the export: ${fmt(idle)} MB)`,
    );
    await audit.stop();
    console.log(
      `RESULT ${JSON.stringify({
        bench: 'audit-export',
        format: FORMAT,
        rows,
        megabytes: Math.round(bytes / 1048576),
        seconds: Number(seconds.toFixed(1)),
        rowsPerSecond: Math.round(rows / seconds),
        peakRssMb: Math.round(peakRssMb),
        baseline: {
          what: 'the same service after start, before the export (peak RSS)',
          peakRssMb: Math.round(idle),
        },
        limitMb: 200,
        withinLimit: peakRssMb <= 200,
      })}`,
    );
  } finally {
    await pg.end().catch(() => undefined);
    if (KEEP && !REUSE) console.log(`kept the seeded database: AUDIT_EXPORT_DATABASE_URL=${db.url}`);
    else await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
