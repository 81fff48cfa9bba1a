import { generateKeyPairSync, randomBytes, randomUUID } from 'crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@app/contracts';
import { checkChaosRun } from './check';
import { FaultEntry, FaultKind, iso, Journal, RunInfo } from './journal';
import { cluster, portOf, privatePostgres, ServiceInstance, SERVICES } from './processes';
import { Workload } from './workload';

/**
 * npm run chaos: the 3-node cluster, two instances of every service on a private PostgreSQL, a mixed workload
 * through the public interfaces, faults on a schedule, then the invariant checker (scripts/chaos/check.ts).
 *
 *   CHAOS_PROFILE   default | ci        ci: ~2 minutes, one instance kill, one broker kill, one SIGSTOP
 *   CHAOS_SECONDS   workload duration   (default 180; ci 100)
 *   CHAOS_RATE      operations/s        (default 40; ci 30)
 *   CHAOS_FAULTS    comma list of kill-service, kill-broker, sigstop-gate, pg-restart (default: all; ci: the first three)
 *   CHAOS_FAULT_EVERY_S  seconds between faults (default 25; ci 25)
 *   CHAOS_KEEP=1    leave the cluster, database and services running afterwards
 */
const ALL_FAULTS: FaultKind[] = ['kill-service', 'kill-broker', 'sigstop-gate', 'pg-restart'];
const SESSION_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (text: string) => console.log(`chaos: ${text}`);

function settings() {
  const ci = process.env.CHAOS_PROFILE === 'ci';
  const num = (name: string, fallback: number) => {
    const value = process.env[name] ? Number(process.env[name]) : fallback;
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  const faults = (process.env.CHAOS_FAULTS?.split(',')
    .map((f) => f.trim())
    .filter(Boolean) ?? (ci ? ALL_FAULTS.slice(0, 3) : ALL_FAULTS)) as FaultKind[];
  for (const f of faults) if (!ALL_FAULTS.includes(f)) throw new Error(`CHAOS_FAULTS: unknown fault ${f}`);
  return {
    profile: ci ? 'ci' : 'default',
    seconds: num('CHAOS_SECONDS', ci ? 100 : 180),
    rate: num('CHAOS_RATE', ci ? 30 : 40),
    faultEveryS: num('CHAOS_FAULT_EVERY_S', 25),
    quiesceS: num('CHAOS_QUIESCE_S', 420),
    faults,
    keep: process.env.CHAOS_KEEP === '1',
  };
}

async function freshDatabase(url: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

async function main(): Promise<number> {
  const s = settings();
  const runId = iso()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
  const root = resolve('.cache/chaos');
  const runDir = join(root, runId);
  mkdirSync(runDir, { recursive: true });
  rmSync(join(root, 'latest'), { force: true });
  symlinkSync(runId, join(root, 'latest'));
  const journal = new Journal(join(runDir, 'journal.ndjson'));
  say(
    `run ${runId} (${s.profile}: ${s.seconds} s at ${s.rate}/s, faults ${s.faults.join(', ')}) in ${runDir}`,
  );

  say('a fresh 3-node cluster (deploy/local/kafka-cluster.sh)');
  await cluster.command('stop');
  rmSync(resolve('.cache/kafka-cluster'), { recursive: true, force: true });
  await cluster.command('start');

  say(`a private PostgreSQL (${privatePostgres.url('acceptance_chaos')}, fresh database)`);
  await privatePostgres.ensure();
  const databaseUrl = privatePostgres.url('acceptance_chaos');
  await freshDatabase(databaseUrl, 'acceptance_chaos');

  const secret = randomBytes(32).toString('hex');
  const jwtSecretFile = join(runDir, 'jwt-secret');
  writeFileSync(jwtSecretFile, secret, { mode: 0o600 });
  const signingKeyFile = join(runDir, 'audit-signing-key.pem');
  writeFileSync(
    signingKeyFile,
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    { mode: 0o600 },
  );
  const operatorTenantId = randomUUID();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: cluster.bootstrap.join(','),
    JWT_SECRET: secret,
    OPERATOR_TENANT_IDS: operatorTenantId,
    AUDIT_SIGNING_KEY_FILE: signingKeyFile,
    KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    LOG_LEVEL: 'warn',
  };
  const instances: ServiceInstance[] = [];
  for (const service of SERVICES)
    for (const i of [1, 2]) instances.push(new ServiceInstance(service, i, portOf(service, i), env, runDir));
  const of = (service: string) => instances.filter((x) => x.service === service);

  const info: RunInfo = {
    runId,
    startedAt: iso(),
    brokers: cluster.bootstrap,
    databaseUrl,
    operatorTenantId,
    jwtSecretFile,
    services: {},
    settings: { seconds: s.seconds, rate: s.rate, faults: s.faults, profile: s.profile },
  };
  const writeInfo = () => {
    for (const x of instances)
      info.services[x.name] = {
        service: x.service,
        instance: x.instance,
        port: x.port,
        pidHistory: x.pidHistory,
      };
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(info, null, 2));
  };

  const kafka = new Kafka({
    clientId: 'commerce-platform',
    brokers: cluster.bootstrap,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ retry: { retries: 12 } });
  const watcher = kafka.consumer({ groupId: `chaos-watch-${runId}`, maxWaitTimeInMs: 100 });
  const decided = new Set<string>();
  const stopAll = async () => {
    await Promise.allSettled([producer.disconnect(), watcher.disconnect()]);
    if (s.keep) return say('CHAOS_KEEP=1: the services, cluster and database keep running');
    await Promise.allSettled(instances.map((x) => x.stop()));
    await cluster.command('stop').catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    say('starting two instances of every service at once (their migrations race under the advisory lock)');
    for (const x of instances) x.start();
    await Promise.all(instances.map((x) => x.ready(180_000)));
    writeInfo();
    await producer.connect();
    await watcher.connect();
    await watcher.subscribe({ topic: Topics.OrdersDecided, fromBeginning: true });
    await watcher.run({
      eachMessage: async ({ message }) => {
        const orderId = JSON.parse(message.value?.toString() ?? '{}')?.data?.orderId;
        if (typeof orderId === 'string') decided.add(orderId);
      },
    });

    const workload = new Workload(of, producer, journal, secret, operatorTenantId);
    await workload.setUp(6);
    journal.write({ kind: 'phase', phase: 'workload-start', at: iso() });
    const started = Date.now();
    const schedule = { done: s.faults.length === 0 };
    const faults = runFaults(s, started, instances, journal).finally(() => (schedule.done = true));
    let inFlight = 0;
    let owed = 0;
    // The workload runs its time, and on until every fault kind of the schedule has been injected once.
    while (
      Date.now() - started < s.seconds * 1000 ||
      (!schedule.done && Date.now() - started < s.seconds * 3000)
    ) {
      owed += s.rate / 10;
      while (owed >= 1 && inFlight < 64) {
        owed -= 1;
        inFlight++;
        void workload.step().finally(() => inFlight--);
      }
      await sleep(100);
      if ((Date.now() - started) % 15_000 < 100)
        say(
          `${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(workload.counts)}, decided ${decided.size}`,
        );
    }
    while (inFlight > 0) await sleep(50);
    journal.write({ kind: 'phase', phase: 'workload-end', at: iso() });
    await faults;
    say(`workload done: ${JSON.stringify(workload.counts)}; waiting for every order's decision`);

    const quiesceUntil = Date.now() + s.quiesceS * 1000;
    const orders = () => workload.sentOrders;
    while (Date.now() < quiesceUntil && [...orders()].some((id) => !decided.has(id))) await sleep(500);
    await sleep(5000); // the outboxes and the audit settle
    journal.write({ kind: 'phase', phase: 'quiesced', at: iso() });
    info.endedAt = iso();
    writeInfo();
    say(`quiesced: ${decided.size} orders decided of ${orders().size} sent; checking the invariants`);
    const report = await checkChaosRun(runDir);
    return report.ok ? 0 : 1;
  } finally {
    writeInfo();
    await stopAll();
  }
}

/**
 * The fault schedule: one fault at a time, every faultEveryS from 20 s on, cycling through the kinds, until the
 * workload's time is up and each kind has been injected at least once.
 */
async function runFaults(
  s: ReturnType<typeof settings>,
  started: number,
  instances: ServiceInstance[],
  journal: Journal,
): Promise<void> {
  if (s.faults.length === 0) return;
  const end = started + s.seconds * 1000;
  let at = started + 20_000;
  let n = 0;
  while (at + 15_000 < end || n < s.faults.length) {
    await sleep(Math.max(0, at - Date.now()));
    const kind = s.faults[n++ % s.faults.length];
    const entry = await inject(kind, instances);
    journal.write(entry);
    say(
      `fault ${entry.fault} on ${entry.target}: ${entry.startAt} → ${entry.endAt}, recovered ${entry.recoveredAt ?? '?'}`,
    );
    at = Math.max(at + s.faultEveryS * 1000, Date.now() + 5000);
  }
}

async function inject(kind: FaultKind, instances: ServiceInstance[]): Promise<FaultEntry> {
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const startAt = iso();
  switch (kind) {
    case 'kill-service': {
      const victim = pick(instances);
      await victim.kill();
      await sleep(4000);
      victim.start();
      const endAt = iso();
      await victim.ready(180_000);
      return { kind: 'fault', fault: kind, target: victim.name, startAt, endAt, recoveredAt: iso() };
    }
    case 'kill-broker': {
      const node = 1 + Math.floor(Math.random() * 3);
      await cluster.command('kill', String(node));
      await sleep(8000);
      const endAt = iso();
      await cluster.command('start-node', String(node));
      return { kind: 'fault', fault: kind, target: `broker-${node}`, startAt, endAt, recoveredAt: iso() };
    }
    case 'sigstop-gate': {
      const victim = pick(instances.filter((x) => x.service === 'order-gate'));
      victim.signal('SIGSTOP');
      await sleep(SESSION_TIMEOUT_MS + 5000);
      victim.signal('SIGCONT');
      const endAt = iso();
      await victim.ready(120_000);
      return { kind: 'fault', fault: kind, target: victim.name, startAt, endAt, recoveredAt: iso() };
    }
    case 'pg-restart': {
      await privatePostgres.restart();
      const endAt = iso();
      await Promise.all(instances.map((x) => x.ready(120_000)));
      return {
        kind: 'fault',
        fault: kind,
        target: `postgresql ${privatePostgres.url('')}`,
        startAt,
        endAt,
        recoveredAt: iso(),
      };
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(2);
  },
);
