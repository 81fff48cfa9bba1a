import { randomBytes, randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { cpus } from 'os';
import { Kafka, logLevel, Message } from 'kafkajs';
import { Client } from 'pg';
import { kafkaSecurityFromEnv } from '@app/platform/config';
import { benchEvent, fmt, freshDatabase, KAFKA_BROKERS, startAudit } from './audit-bench-kit';

/**
 * Ingest into the chained log (U-01, U-02): N events (AUDIT_BENCH_EVENTS, default 100,000) are put
 * on the topics while the audit service is stopped, then it is started and the rate at which they
 * land in audit.events (hashed, chained, committed) is measured; then the chain is verified.
 * Prints figures; asserts nothing. Other traffic on the broker is ingested too and not counted.
 */
const N = Number(process.env.AUDIT_BENCH_EVENTS ?? 100000);
/* The bench's own events, told apart by their correlationId: their producer is their topic's writer (S-04). */
const RUN = `bench-audit-${randomBytes(4).toString('hex')}`;
async function produce(): Promise<number> {
  const kafka = new Kafka({
    clientId: 'bench-audit',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
    ...kafkaSecurityFromEnv(),
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const partners = Array.from({ length: 200 }, () => randomUUID());
  const customers = Array.from({ length: 5000 }, () => randomUUID());
  const started = Date.now();
  const BATCH = 2000;
  for (let from = 0; from < N; from += BATCH * 4) {
    const sends: Array<Promise<unknown>> = [];
    for (let b = from; b < Math.min(N, from + BATCH * 4); b += BATCH) {
      const byTopic = new Map<string, Message[]>();
      for (let i = b; i < Math.min(N, b + BATCH); i++) {
        const { topic, envelope } = benchEvent(i, partners, customers, RUN);
        const key = (envelope.data as { customerTenantId: string }).customerTenantId;
        if (!byTopic.has(topic)) byTopic.set(topic, []);
        byTopic.get(topic)!.push({ key, value: JSON.stringify(envelope) });
      }
      sends.push(
        producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }),
      );
    }
    await Promise.all(sends);
  }
  await producer.disconnect();
  return (Date.now() - started) / 1000;
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by the database's other backends (the service's connections; PostgreSQL
 * runs on this machine), per backend pid, so that a later snapshot can take the difference.
 */
async function backendCpu(pg: Client): Promise<Map<number, number>> {
  const { rows } = await pg.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return new Map(rows.map((r: { pid: number }) => [r.pid, cpuSeconds(r.pid)]));
}

function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU seconds of the whole machine so far (every core), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3] - ticks[4], total };
}

const BARE_BATCH = Number(process.env.AUDIT_BENCH_BARE_BATCH ?? 1000);
const COLUMNS = `seq, hash, event_id, event_type, topic, partition, "offset", kafka_timestamp, key, headers, partner_id,
  customer_tenant_id, order_id, occurred_at, received_at, envelope, raw, invalid_reason`;
const NAMES = COLUMNS.split(',').map((c) => c.trim().replace(/"/g, ''));
const TYPES = [
  'bigint',
  'bytea',
  'text',
  'text',
  'text',
  'int',
  'bigint',
  'timestamptz',
  'text',
  'jsonb',
  'text',
  'text',
  'text',
  'timestamptz',
  'timestamptz',
  'jsonb',
  'bytea',
  'text',
];

type Row = Record<string, unknown>;

/** Two ways to insert a batch: a multi-row VALUES with a parameter per value, and one array per column (unnest). */
const BARE_WAYS: Record<string, (table: string, batch: Row[]) => { text: string; values: unknown[] }> = {
  values: (table, batch) => ({
    text: `INSERT INTO ${table} (${COLUMNS}) VALUES ${batch
      .map((_, r) => `(${TYPES.map((t, c) => `$${r * TYPES.length + c + 1}::${t}`).join(', ')})`)
      .join(', ')}`,
    values: batch.flatMap((row) => NAMES.map((name) => row[name])),
  }),
  unnest: (table, batch) => ({
    text: `INSERT INTO ${table} (${COLUMNS}) SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
    values: NAMES.map((name) => batch.map((row) => row[name])),
  }),
};

/**
 * The baseline: the same rows (read back from the log, in its order) inserted into a table like the log (same
 * columns, indexes and constraints, no trigger) with plain batched INSERTs of AUDIT_BENCH_BARE_BATCH rows, one
 * statement per batch, each committed on its own: what the database and the driver alone cost for these rows,
 * without Kafka, hashing or the chain head. Both ways are measured; the faster is the baseline.
 */
async function bareInsert(pg: Client): Promise<Record<string, { seconds: number; perSecond: number }>> {
  const { rows } = await pg.query(
    `SELECT ${COLUMNS.replace('headers', 'headers::text').replace('envelope,', 'envelope::text,')}
       FROM audit.events WHERE envelope->>'correlationId' = $1 ORDER BY seq`,
    [RUN],
  );
  const figures: Record<string, { seconds: number; perSecond: number }> = {};
  for (const [way, statement] of Object.entries(BARE_WAYS)) {
    const table = `audit.bare_${way}`;
    await pg.query(`CREATE TABLE ${table} (LIKE audit.events INCLUDING ALL)`);
    const started = performance.now();
    for (let from = 0; from < rows.length; from += BARE_BATCH) {
      const { text, values } = statement(table, rows.slice(from, from + BARE_BATCH));
      await pg.query(text, values);
    }
    const seconds = (performance.now() - started) / 1000;
    await pg.query(`DROP TABLE ${table}`);
    figures[way] = { seconds: Number(seconds.toFixed(2)), perSecond: Math.round(rows.length / seconds) };
  }
  return figures;
}

async function main(): Promise<void> {
  console.log(
    `audit ingest bench: ${fmt(N)} events, ${cpus().length} cores (shared with the broker, PostgreSQL and anything else running)`,
  );
  const db = await freshDatabase('audit_ingest');
  const groupPrefix = `bench-${randomBytes(4).toString('hex')}`;
  const pg = new Client({ connectionString: db.url });
  try {
    // A first start migrates the schema and places the consumer group at the topics' end.
    await (await startAudit(db.url, groupPrefix)).stop();
    const produceSeconds = await produce();
    console.log(`produced ${fmt(N)} events in ${fmt(produceSeconds, 1)} s while the audit was stopped`);

    const started = Date.now();
    const audit = await startAudit(db.url, groupPrefix);
    const readyAt = Date.now();
    await pg.connect();
    const headSeq = async () => Number((await pg.query(`SELECT seq FROM audit.chain_head`)).rows[0].seq);
    const headAtReady = await headSeq();
    const serviceCpuAtReady = cpuSeconds(audit.process.pid!);
    const pgCpuAtReady = await backendCpu(pg);
    const machineAtReady = machineCpu();
    const mine = async () =>
      (
        await pg.query(`SELECT count(*)::int AS n FROM audit.events WHERE envelope->>'correlationId' = $1`, [
          RUN,
        ])
      ).rows[0].n as number;
    for (;;) {
      const head = await headSeq();
      if (head >= N && (await mine()) >= N) break;
      if (Date.now() - started > 600000) throw new Error(`only ${head} rows after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const doneAt = Date.now();
    const serviceCpu = cpuSeconds(audit.process.pid!) - serviceCpuAtReady;
    const pgCpu = cpuSince(pgCpuAtReady, await backendCpu(pg));
    const machine = machineCpu();
    // Other traffic on the broker is ingested too, and costs the same: CPU is divided by every row appended.
    const appended = (await headSeq()) - headAtReady;
    const { first, last } = (
      await pg.query(
        `SELECT min(received_at) AS first, max(received_at) AS last FROM audit.events WHERE envelope->>'correlationId' = $1`,
        [RUN],
      )
    ).rows[0];
    const windowSeconds = (last.getTime() - first.getTime()) / 1000;
    console.log(`service start to ready: ${fmt((readyAt - started) / 1000, 1)} s`);
    console.log(
      `ingested ${fmt(N)} events into the chained log: ${fmt(N / windowSeconds)} events/s ` +
        `(first to last arrival ${fmt(windowSeconds, 2)} s; ready to all committed ${fmt((doneAt - readyAt) / 1000, 2)} s, ` +
        `${fmt(N / ((doneAt - readyAt) / 1000))} events/s)`,
    );
    const perEvent = (seconds: number) => `${fmt((seconds / appended) * 1e6)} µs/event`;
    console.log(
      `CPU from ready to all committed, ${fmt(appended)} rows appended: service ${fmt(serviceCpu, 1)} s (${perEvent(serviceCpu)}), ` +
        `PostgreSQL backends ${fmt(pgCpu, 1)} s (${perEvent(pgCpu)}); machine busy ` +
        `${fmt((100 * (machine.busy - machineAtReady.busy)) / (machine.total - machineAtReady.total))}% of ${cpus().length} cores`,
    );
    const verifyStarted = Date.now();
    const res = await fetch(`${audit.url}/v1/audit/verify`, {
      headers: { Authorization: await audit.auditorToken() },
    });
    const verify = (await res.json()) as { ok: boolean; checked: number };
    const verifySeconds = (Date.now() - verifyStarted) / 1000;
    console.log(`verify: ${JSON.stringify(verify)} in ${fmt(verifySeconds, 2)} s`);
    const peakRssMb = audit.peakRssMb();
    console.log(`audit child peak RSS (VmHWM): ${fmt(peakRssMb)} MB`);
    await audit.stop();

    const bare = await bareInsert(pg);
    const baseline = Math.max(...Object.values(bare).map((b) => b.perSecond));
    const ingestRate = N / windowSeconds;
    for (const [way, b] of Object.entries(bare)) {
      console.log(
        `bare batched INSERT (${way}) of the same ${fmt(N)} rows, ${fmt(BARE_BATCH)} a statement, same indexes, no chain: ` +
          `${fmt(b.seconds, 2)} s, ${fmt(b.perSecond)} rows/s`,
      );
    }
    console.log(`ingest runs at ${fmt(ingestRate / baseline, 2)}× the faster bare INSERT`);
    console.log(
      `RESULT ${JSON.stringify({
        bench: 'audit-ingest',
        events: N,
        ingest: {
          eventsPerSecond: Math.round(ingestRate),
          windowSeconds: Number(windowSeconds.toFixed(2)),
          readyToCommittedPerSecond: Math.round(N / ((doneAt - readyAt) / 1000)),
          rowsAppended: appended,
          serviceCpuMicrosPerEvent: Math.round((serviceCpu / appended) * 1e6),
          postgresCpuMicrosPerEvent: Math.round((pgCpu / appended) * 1e6),
        },
        baseline: { what: `bare batched INSERT of the same rows, ${BARE_BATCH} a statement`, ...bare },
        ratio: Number((ingestRate / baseline).toFixed(2)),
        verify: { ok: verify.ok, checked: verify.checked, seconds: Number(verifySeconds.toFixed(2)) },
        peakRssMb: Math.round(peakRssMb),
      })}`,
    );
  } finally {
    await pg.end().catch(() => undefined);
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
