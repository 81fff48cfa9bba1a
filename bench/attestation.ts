/*
 * npm run bench:attestation — the attestation service under a fixed offered load.
 *
 * Starts `node dist/apps/attestation/src/main.js` (so `npm run build` first) against a fresh database
 * and the local broker, registers partners and creates their customers with relationship events on
 * `partners.relationships` (as the reseller-relationship service would), waits until the service has
 * applied them, then offers POST /v1/customers/{id}/agreements at a fixed rate: 500/s for 20 s, then a
 * ramp of 10 s steps to find the highest rate it sustains. Every request is a new attestation that
 * supersedes the pair's current one, so each is a full write: request row, advisory lock,
 * supersede, insert, outbox, commit, publish to Kafka, then the 201.
 *
 * Latency is measured from the moment a request was due, not when it was sent, so a stalled client
 * is counted against the service (no coordinated omission).
 *
 * Same-run baseline: before the fixed rate, a bare endpoint (a plain node:http server in a process of its
 * own, this file with `--bare`) and then the service are each driven flat out by the same closed-loop load
 * generator (BENCH_CLIENTS keep-alive clients, 64) for BENCH_CLOSED_SECONDS (15, in three turns each) each. The bare endpoint
 * does per request what any attestation must at least do: parse the JSON body and write the record and its
 * outbox row in one statement (a CTE) with a synchronous commit, from a pool as large as the service's (20),
 * with no validation, no idempotency, no lock, no publication. `ratio` is the service's rate over the bare
 * endpoint's: machines differ, the ratio less so.
 *
 * Environment: BENCH_RATE (500), BENCH_SECONDS (20), BENCH_SERVICE_NODE_ARGS (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof"), BENCH_RAMP ("300,400,600,800,1000,1500,2000,3000,4000": up to the first step not sustained), BENCH_STEP_SECONDS (10),
 * BENCH_CLIENTS (64), BENCH_CLOSED_SECONDS (15, in three turns each), BENCH_PORT (3901; the bare endpoint takes the next one),
 * DATABASE_URL and KAFKA_BROKERS as for the services.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import http from 'http';
import { cpus } from 'os';
import { join } from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { buildEnvelope, CustomerTenantCreatedV1, PartnerRegisteredV1, Topics } from '@app/contracts';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { kafkaSecurityFromEnv } from '@app/platform/config';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const PARTNERS = 20;
const CUSTOMERS_PER_PARTNER = 250;
const REPO_ROOT = join(__dirname, '..', '..');

const env = process.env;
const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const adminUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const port = Number(env.BENCH_PORT ?? 3901);
const baseRate = Number(env.BENCH_RATE ?? 500);
const baseSeconds = Number(env.BENCH_SECONDS ?? 20);
const ramp = (env.BENCH_RAMP ?? '300,400,600,800,1000,1500,2000,3000,4000').split(',').map(Number);
const stepSeconds = Number(env.BENCH_STEP_SECONDS ?? 10);
const clients = Number(env.BENCH_CLIENTS ?? 64);
const closedSeconds = Number(env.BENCH_CLOSED_SECONDS ?? 15);
const barePort = port + 1;

interface Pair {
  partnerId: string;
  customerTenantId: string;
  token: string;
}

interface PhaseResult {
  offered: number;
  seconds: number;
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  serviceCpu: number;
  machineCpu: number;
}

const say = (text: string) => process.stdout.write(`${text}\n`);

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function getStatus(agent: http.Agent, path: string, toPort = port): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: toPort, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** Ticks of CPU time (user + system) a process used so far, and of the whole machine. */
function processTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU ticks used so far by every process, with its group: this bench, the service, the bare endpoint, PostgreSQL, Kafka, the rest. */
function ticksByProcess(servicePid: number, barePid: number | undefined): Map<number, [string, number]> {
  const processes = new Map<number, [string, number]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const pid = Number(entry);
    const group =
      pid === process.pid
        ? 'bench'
        : pid === servicePid
          ? 'service'
          : pid === barePid
            ? 'bare'
            : comm.startsWith('postgres')
              ? 'postgres'
              : comm === 'java'
                ? 'kafka'
                : `other (${comm})`;
    processes.set(pid, [group, ticks]);
  }
  return processes;
}

/** CPU per group between two looks, in % of one core (a process that ended in between is not counted). */
function cpuShares(
  before: Map<number, [string, number]>,
  after: Map<number, [string, number]>,
  seconds: number,
): string {
  const groups = new Map<string, number>();
  for (const [pid, [group, ticks]] of after) {
    const earlier = before.get(pid);
    const used = earlier && earlier[0] === group ? ticks - earlier[1] : ticks;
    groups.set(group, (groups.get(group) ?? 0) + used);
  }
  return [...groups]
    .map(([group, ticks]) => [group, ticks / 100 / seconds] as const)
    .filter(([, cores]) => cores >= 0.02)
    .sort((a, b) => b[1] - a[1])
    .map(([group, cores]) => `${group} ${(cores * 100).toFixed(0)}%`)
    .join(', ');
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function attest(agent: http.Agent, pair: Pair, n: number, toPort = port): Promise<number> {
  const body = JSON.stringify({
    primaryContact: { firstName: 'Bench', lastName: `Contact ${n}`, email: `bench${n}@contoso.example` },
    dateAgreed: new Date(Date.now() - 3600000).toISOString(),
    templateId: MCA_TEMPLATE,
    type: 'MicrosoftCustomerAgreement',
  });
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: toPort,
        method: 'POST',
        path: `/v1/customers/${pair.customerTenantId}/agreements`,
        agent,
        headers: {
          authorization: pair.token,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'ms-requestid': randomUUID(),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Offers `rate` requests per second for `seconds`, each due at its own instant, and waits for every answer. */
async function phase(
  agent: http.Agent,
  pairs: Pair[],
  pid: number,
  rate: number,
  seconds: number,
): Promise<PhaseResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const inFlight: Promise<void>[] = [];
  const cpu0 = processTicks(pid);
  const machine0 = machineTicks();
  const start = performance.now();
  let next = 0;
  let lastDone = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
      for (; next < due; next++) {
        const dueAt = start + (next / rate) * 1000;
        const pair = pairs[next % pairs.length];
        inFlight.push(
          attest(agent, pair, next).then((status) => {
            const done = performance.now();
            lastDone = Math.max(lastDone, done);
            latencies.push(done - dueAt);
            statuses[status] = (statuses[status] ?? 0) + 1;
          }),
        );
      }
      if (next >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsed = (lastDone - start) / 1000;
  const cpu1 = processTicks(pid);
  const machine1 = machineTicks();
  latencies.sort((a, b) => a - b);
  const ok = (statuses['201'] ?? 0) + (statuses['200'] ?? 0);
  const ticksPerSecond = 100;
  return {
    offered: rate,
    seconds,
    sent: total,
    ok,
    failed: total - ok,
    statuses,
    achieved: ok / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1],
    serviceCpu: (cpu1 - cpu0) / ticksPerSecond / elapsed,
    machineCpu: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
  };
}

interface ClosedResult {
  /** CPU used during the run by each group of processes, in % of one core. */
  cpu: string;
  ok: number;
  seconds: number;
  failed: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** `clients` keep-alive clients, each sending its next request as soon as the last is answered, for `seconds`. */
async function closedLoop(
  pairs: Pair[],
  toPort: number,
  seconds: number,
  pids: [number, number | undefined],
): Promise<ClosedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let n = 0;
  const cpu0 = ticksByProcess(...pids);
  const start = performance.now();
  const end = start + seconds * 1000;
  let lastDone = start;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          const i = n++;
          const sent = performance.now();
          const status = await attest(agent, pairs[i % pairs.length], i, toPort);
          lastDone = performance.now();
          latencies.push(lastDone - sent);
          if (status === 200 || status === 201) ok++;
          else failed++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const cpu = cpuShares(cpu0, ticksByProcess(...pids), (performance.now() - start) / 1000);
  latencies.sort((a, b) => a - b);
  return {
    cpu,
    ok,
    failed,
    seconds: (lastDone - start) / 1000,
    perSecond: ok / ((lastDone - start) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Bare and service alternate, so that what else the machine runs weighs on both alike. */
const CLOSED_TURNS = 3;

/** Turns taken together: their rate over their time, the worst turn's p99. */
function combined(runs: readonly ClosedResult[]): ClosedResult {
  const seconds = runs.reduce((t, r) => t + r.seconds, 0);
  const ok = runs.reduce((t, r) => t + r.ok, 0);
  return {
    cpu: '',
    ok,
    failed: runs.reduce((t, r) => t + r.failed, 0),
    seconds,
    perSecond: ok / seconds,
    p50: Math.max(...runs.map((r) => r.p50)),
    p99: Math.max(...runs.map((r) => r.p99)),
  };
}

function reportClosed(label: string, r: ClosedResult): void {
  say(
    `${label.padEnd(10)} ${clients} clients  ${r.perSecond.toFixed(0).padStart(5)} requests/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  ` +
      `p99 ${r.p99.toFixed(1).padStart(8)} ms  failed ${r.failed}  CPU (% of one core): ${r.cpu}`,
  );
}

/** The bare endpoint's tables: the attestation and outbox tables' columns and indexes, without the one-current rule. */
async function createBareTables(db: Client): Promise<void> {
  await db.query(`CREATE SCHEMA bare;
    CREATE TABLE bare.attestations (LIKE attestation.attestations INCLUDING DEFAULTS, PRIMARY KEY (id));
    CREATE INDEX ON bare.attestations (partner_id, customer_tenant_id, agreement_type) WHERE superseded_at IS NULL;
    CREATE INDEX ON bare.attestations (partner_id, customer_tenant_id, created_at DESC);
    CREATE TABLE bare.outbox (LIKE attestation.outbox INCLUDING ALL);`);
}

const BARE_INSERT = `WITH a AS (
    INSERT INTO bare.attestations (id, partner_id, customer_tenant_id, agreement_type, template_id, date_agreed,
                                   user_id, primary_contact, channel, event_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Api', $9) RETURNING event_id)
  INSERT INTO bare.outbox (id, topic, key, event_type, payload, headers)
  SELECT event_id, 'agreements.acceptance', $3, 'AgreementAttested', $10, $11 FROM a`;

/** `--bare`: the bare endpoint, in a process of its own like the service. */
function runBare(): void {
  const pool = new Pool({ connectionString: env.BARE_DATABASE_URL, max: 20 });
  const partnerId = randomUUID();
  const userId = randomUUID();
  http
    .createServer((req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(200).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const customerTenantId = req.url!.split('/')[3];
        const id = randomUUID();
        const eventId = randomUUID();
        const payload = JSON.stringify({
          eventId,
          eventType: 'AgreementAttested',
          data: { attestationId: id, ...body },
        });
        pool
          .query(BARE_INSERT, [
            id,
            partnerId,
            customerTenantId,
            body.type,
            body.templateId,
            body.dateAgreed,
            userId,
            JSON.stringify(body.primaryContact),
            eventId,
            payload,
            JSON.stringify({ 'event-type': 'AgreementAttested' }),
          ])
          .then(
            () => {
              res
                .writeHead(201, { 'content-type': 'application/json' })
                .end(JSON.stringify({ id, userId, ...body }));
            },
            (err: Error) => {
              res.writeHead(500).end(err.message);
            },
          );
      });
    })
    .listen(barePort, '127.0.0.1');
}

function report(label: string, r: PhaseResult): void {
  say(
    `${label.padEnd(10)} offered ${String(r.offered).padStart(5)}/s  achieved ${r.achieved.toFixed(0).padStart(5)} attestations/s  ` +
      `p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(8)} ms  max ${r.max.toFixed(0).padStart(6)} ms  ` +
      `failed ${r.failed}  service CPU ${(r.serviceCpu * 100).toFixed(0)}% of one core  machine CPU ${(r.machineCpu * 100).toFixed(0)}%` +
      (r.failed > 0 ? `  statuses ${JSON.stringify(r.statuses)}` : ''),
  );
}

async function seedRelationships(): Promise<{ partners: string[]; customers: Array<[string, string]> }> {
  const kafka = new Kafka({
    clientId: 'bench-attestation',
    brokers,
    logLevel: logLevel.NOTHING,
    ...kafkaSecurityFromEnv(),
  });
  const producer = kafka.producer();
  await producer.connect();
  const partners = Array.from({ length: PARTNERS }, () => randomUUID());
  const customers: Array<[string, string]> = [];
  try {
    const messages = partners.map((partnerId) => {
      const data: PartnerRegisteredV1 = {
        partnerId,
        partnerType: 'DirectBill',
        cloud: 'Public',
        name: 'Bench partner',
      };
      return {
        key: partnerId,
        value: JSON.stringify(
          buildEnvelope('PartnerRegistered', data, { producer: 'reseller-relationship' }),
        ),
      };
    });
    for (const partnerId of partners) {
      for (let i = 0; i < CUSTOMERS_PER_PARTNER; i++) {
        const customerTenantId = randomUUID();
        customers.push([partnerId, customerTenantId]);
        const data: CustomerTenantCreatedV1 = {
          customerTenantId,
          partnerId,
          companyName: `Bench customer ${i}`,
          cloud: 'Public',
          country: 'US',
        };
        messages.push({
          key: customerTenantId,
          value: JSON.stringify(
            buildEnvelope('CustomerTenantCreated', data, { producer: 'reseller-relationship' }),
          ),
        });
      }
    }
    for (let i = 0; i < messages.length; i += 1000) {
      await producer.send({
        topic: Topics.PartnersRelationships,
        acks: -1,
        messages: messages.slice(i, i + 1000),
      });
    }
  } finally {
    await producer.disconnect();
  }
  return { partners, customers };
}

async function main(): Promise<void> {
  const dbName = `bench_attestation_test_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  const databaseUrl = withDatabase(adminUrl, dbName);
  const jwtSecret = randomBytes(32).toString('hex');
  let child: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const db = new Client({ connectionString: databaseUrl });
  try {
    const nodeArgs = env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    child = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'dist/apps/attestation/src/main.js')], {
      cwd: REPO_ROOT,
      env: {
        ...env,
        ATTESTATION_PORT: String(port),
        DATABASE_URL: databaseUrl,
        JWT_SECRET: jwtSecret,
        // S-09: the bench drives a few partners far past any real partner's rate; the limit is off.
        RATE_LIMIT_PER_PARTNER_PER_MINUTE: env.RATE_LIMIT_PER_PARTNER_PER_MINUTE ?? '0',
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_GROUP_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
        KAFKA_NEW_GROUP_START: 'latest',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const pid = child.pid!;
    child.on('exit', (code) => {
      if (code !== null && code !== 0) say(`attestation service exited with ${code}`);
    });
    await waitFor(
      'the service to be ready',
      async () => ((await getStatus(agent, '/health/ready')) === 200 ? true : undefined),
      60000,
    );
    say(`service ready (pid ${pid}, database ${dbName})`);

    const seedStart = Date.now();
    const { customers } = await seedRelationships();
    await db.connect();
    await waitFor(
      'the relationship events to be applied',
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM attestation.relationships WHERE active`,
        );
        return rows[0].n >= customers.length ? true : undefined;
      },
      120000,
    );
    say(
      `${PARTNERS} partners, ${customers.length} customers registered through partners.relationships and applied in ${Date.now() - seedStart} ms`,
    );

    const tokens = new Map<string, string>();
    const pairs: Pair[] = [];
    for (const [partnerId, customerTenantId] of customers) {
      if (!tokens.has(partnerId)) {
        tokens.set(
          partnerId,
          `Bearer ${await signHs256Token(jwtSecret, { tid: partnerId, oid: randomUUID(), roles: ['AdminAgent'] }, { expiresIn: '2h' })}`,
        );
      }
      pairs.push({ partnerId, customerTenantId, token: tokens.get(partnerId)! });
    }
    pairs.sort(() => Math.random() - 0.5);

    await phase(agent, pairs, pid, 100, 3);

    await createBareTables(db);
    bare = spawn(process.execPath, [__filename, '--bare'], {
      cwd: REPO_ROOT,
      env: { ...env, BARE_DATABASE_URL: databaseUrl, BENCH_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(
      'the bare endpoint to listen',
      async () => ((await getStatus(agent, '/', barePort)) === 200 ? true : undefined),
      10000,
    );
    await closedLoop(pairs, barePort, 2, [pid, bare.pid]);
    say(
      `\nclosed loop, same load generator, flat out, bare and service in turns of ${closedSeconds / CLOSED_TURNS} s (${closedSeconds} s each in all):`,
    );
    const bareRuns: ClosedResult[] = [];
    const serviceRuns: ClosedResult[] = [];
    for (let turn = 0; turn < CLOSED_TURNS; turn++) {
      bareRuns.push(await closedLoop(pairs, barePort, closedSeconds / CLOSED_TURNS, [pid, bare.pid]));
      reportClosed('bare', bareRuns[turn]);
      serviceRuns.push(await closedLoop(pairs, port, closedSeconds / CLOSED_TURNS, [pid, bare.pid]));
      reportClosed('service', serviceRuns[turn]);
    }
    const bareRun = combined(bareRuns);
    const serviceRun = combined(serviceRuns);
    say(
      `bare ${bareRun.perSecond.toFixed(0)}/s, service ${serviceRun.perSecond.toFixed(0)}/s (p99 ${serviceRun.p99.toFixed(1)} ms)`,
    );
    const ratio = serviceRun.perSecond / bareRun.perSecond;
    say(`ratio service/bare: ${ratio.toFixed(2)}`);
    bare.kill('SIGTERM');
    say(`\nfixed rate (cores: ${cpus().length}, shared with whatever else runs on this machine):`);
    const base = await phase(agent, pairs, pid, baseRate, baseSeconds);
    report(`${baseRate}/s`, base);

    say('\nramp:');
    let sustained =
      base.failed === 0 && base.achieved >= base.offered * 0.95 && base.p99 < 1000 ? base.offered : 0;
    for (const rate of ramp) {
      const r = await phase(agent, pairs, pid, rate, stepSeconds);
      report(`${rate}/s`, r);
      const kept = r.failed === 0 && r.achieved >= rate * 0.95 && r.p99 < 1000;
      if (!kept) break;
      sustained = Math.max(sustained, rate);
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM attestation.outbox`);
    say(
      `\nsustained max: ${sustained} attestations/s (no failures, >= 95% of offered, p99 < 1 s); outbox left: ${rows[0].n}`,
    );
    say(
      `target: 2000/s sustained and p99 < 50 ms at 500/s -> ${sustained >= 2000 ? 'met' : 'NOT met'} / ${base.p99 < 50 ? 'met' : 'NOT met'}` +
        `; >= 0.5 x bare -> ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
    );
    say(
      `RESULT ${JSON.stringify({
        bench: 'attestation',
        node: process.version,
        fixed: {
          offered: base.offered,
          achieved: base.achieved,
          p50: base.p50,
          p99: base.p99,
          failed: base.failed,
        },
        sustained,
        closed: {
          clients,
          seconds: closedSeconds,
          service: serviceRun.perSecond,
          serviceP99: serviceRun.p99,
          serviceFailed: serviceRun.failed,
          bare: bareRun.perSecond,
          bareP99: bareRun.p99,
          turns: CLOSED_TURNS,
          bareFailed: bareRun.failed,
          ratio,
        },
      })}`,
    );
  } finally {
    agent.destroy();
    if (bare && bare.exitCode === null) bare.kill('SIGTERM');
    await db.end().catch(() => undefined);
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}

if (process.argv[2] === '--bare') runBare();
else
  main().catch((err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
