import { randomBytes, randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { cpus } from 'os';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { InboundMessage } from '@app/messaging';
import { chainHash, GENESIS_HASH } from '../apps/audit/src/log/audit-chain';
import { appendToLog, toEntry } from '../apps/audit/src/log/chained-log';
import { benchEvent, fmt, freshDatabase, startAudit } from './audit-bench-kit';

/**
 * Verify (U-02): appends AUDIT_VERIFY_ROWS events (default 100,000) to a fresh log with the service's own append
 * (appendToLog, the chained insert ingest runs), starts the audit service as a child process and times
 * GET /v1/audit/verify over the whole log. Its baseline, in the same run: the bare hash chain, SHA-256 over the
 * very bytes the chain covers (each row's content, its sequence and the previous hash), in memory, in this process.
 * Prints figures and one RESULT line; asserts nothing beyond verify answering ok.
 */
const ROWS = Number(process.env.AUDIT_VERIFY_ROWS ?? 100000);
const RUN = `bench-verify-${randomBytes(4).toString('hex')}`;
const CHUNK = 5000;
/** AUDIT_VERIFY_KEEP=1 keeps the database (to look at the log's queries with psql afterwards). */
const KEEP = process.env.AUDIT_VERIFY_KEEP === '1';

/** Kafka's view of the i-th event, as the consumer hands it to appendToLog. */
function message(i: number, partners: string[], customers: string[]): InboundMessage {
  const { topic, envelope } = benchEvent(i, partners, customers, RUN);
  return {
    topic,
    partition: i % 6,
    offset: String(Math.floor(i / 6)),
    key: (envelope.data as { customerTenantId: string }).customerTenantId,
    value: Buffer.from(JSON.stringify(envelope)),
    headers: {},
    timestamp: String(Date.now()),
  };
}

/** appendToLog takes an EntityManager; it only runs queries on it, and wants their rows. */
const asManager = (pg: Client) =>
  ({
    query: (text: string, values?: unknown[]) => pg.query(text, values).then((r) => r.rows),
  }) as unknown as EntityManager;

/** The bytes the chain covers, row after row, as the log will hold them. */
async function seed(pg: Client): Promise<Buffer[]> {
  const partners = Array.from({ length: 200 }, () => randomUUID());
  const customers = Array.from({ length: 5000 }, () => randomUUID());
  const contents: Buffer[] = [];
  for (let from = 0; from < ROWS; from += CHUNK) {
    const messages = Array.from({ length: Math.min(CHUNK, ROWS - from) }, (_, k) =>
      message(from + k, partners, customers),
    );
    const receivedAt = new Date();
    await pg.query('BEGIN');
    await appendToLog(asManager(pg), 'audit', messages, receivedAt);
    await pg.query('COMMIT');
    for (const m of messages) contents.push(toEntry(m, receivedAt).content);
    process.stdout.write(`\rappended ${fmt(from + messages.length)} rows`);
  }
  process.stdout.write('\n');
  return contents;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  console.log(
    `audit verify bench: ${fmt(ROWS)} rows, ${cpus().length} cores (shared with PostgreSQL and anything else running)`,
  );
  const db = await freshDatabase('audit_verify');
  const groupPrefix = `bench-${randomBytes(4).toString('hex')}`;
  const pg = new Client({ connectionString: db.url });
  try {
    // A first start migrates the schema; the rows are appended while it is stopped.
    await (await startAudit(db.url, groupPrefix)).stop();
    await pg.connect();
    const seedStarted = Date.now();
    const contents = await seed(pg);
    const bytes = contents.reduce((n, c) => n + c.length, 0);
    console.log(
      `appended in ${fmt((Date.now() - seedStarted) / 1000, 1)} s, ${fmt(bytes / 1048576, 1)} MB of content`,
    );
    await pg.query('VACUUM ANALYZE audit.events');

    const audit = await startAudit(db.url, groupPrefix);
    const token = await audit.auditorToken();
    const verifyOnce = async () => {
      const cpuBefore = cpuSeconds(audit.process.pid!);
      const started = performance.now();
      const res = await fetch(`${audit.url}/v1/audit/verify`, { headers: { Authorization: token } });
      const body = (await res.json()) as { ok: boolean; checked: number; firstBrokenSequence: number | null };
      const seconds = (performance.now() - started) / 1000;
      if (!body.ok) throw new Error(`verify did not answer ok: ${JSON.stringify(body)}`);
      return { seconds, checked: body.checked, serviceCpu: cpuSeconds(audit.process.pid!) - cpuBefore };
    };
    // The first verify warms the service's code and PostgreSQL's cache; the second is measured.
    await verifyOnce();
    const verify = await verifyOnce();

    // Baseline: the chain over the same bytes, in memory, with the same hash function.
    const hashStarted = performance.now();
    let previous = GENESIS_HASH;
    for (let i = 0; i < contents.length; i++) previous = chainHash(previous, i + 1, contents[i]);
    const hashSeconds = (performance.now() - hashStarted) / 1000;
    const [{ hash: head }] = (await pg.query(`SELECT hash FROM audit.chain_head`)).rows;
    if (!previous.equals(head)) throw new Error('the in-memory chain does not end at the stored head');

    const verifyRate = verify.checked / verify.seconds;
    const hashRate = ROWS / hashSeconds;
    console.log(
      `verify: ${fmt(verify.checked)} rows in ${fmt(verify.seconds, 2)} s, ${fmt(verifyRate)} rows/s ` +
        `(service CPU ${fmt(verify.serviceCpu, 2)} s, ${fmt((verify.serviceCpu / verify.checked) * 1e6, 1)} µs/row)`,
    );
    console.log(
      `bare hash chain over the same bytes in memory: ${fmt(hashSeconds, 2)} s, ${fmt(hashRate)} rows/s, ` +
        `${fmt(bytes / 1048576 / hashSeconds)} MB/s; verify runs at ${fmt(verifyRate / hashRate, 2)}× it`,
    );
    const peakRssMb = audit.peakRssMb();
    console.log(`audit child peak RSS (VmHWM): ${fmt(peakRssMb)} MB`);
    await audit.stop();
    console.log(
      `RESULT ${JSON.stringify({
        bench: 'audit-verify',
        rows: ROWS,
        checked: verify.checked,
        verify: {
          seconds: Number(verify.seconds.toFixed(2)),
          rowsPerSecond: Math.round(verifyRate),
          serviceCpuSeconds: verify.serviceCpu,
        },
        baseline: {
          what: 'sha256 chain over the same content bytes in memory',
          seconds: Number(hashSeconds.toFixed(2)),
          rowsPerSecond: Math.round(hashRate),
          mbPerSecond: Math.round(bytes / 1048576 / hashSeconds),
        },
        ratio: Number((verifyRate / hashRate).toFixed(2)),
        peakRssMb: Math.round(peakRssMb),
      })}`,
    );
  } finally {
    await pg.end().catch(() => undefined);
    if (KEEP) console.log(`kept the database: ${db.url}`);
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
