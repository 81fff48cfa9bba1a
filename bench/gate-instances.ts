/*
 * npm run bench:gate-instances — the order gate's throughput with one instance and with two, in the same run.
 *
 * One fresh database, seeded once (as bench/gate.ts: BENCH_PAIRS partner-customer pairs, each with an active
 * relationship and an attestation, so every order is approved). Each phase starts its instances as separate
 * processes of dist/apps/order-gate/src/main.js (the flags scripts/start.sh gives the gate) in one new consumer
 * group, waits until the group is stable with every instance in it, offers a warm-up, then produces
 * BENCH_ORDERS OrderRequested as fast as the producer goes (acks=all) and times the run from the first send
 * to the arrival of the last decision on commerce.orders.decided. Correctness is checked per orderId: every
 * order decided (missing), one outcome only (conflicting), and the decision events delivered more than once
 * (duplicates, counted). On 2 cores a second instance adds no CPU: the figure to watch is that it stays correct.
 *
 * Environment: BENCH_ORDERS (20000), BENCH_WARMUP (1000), BENCH_PAIRS (1000), BENCH_PORT (3913; the second
 * instance +100), BENCH_DECIDE_TIMEOUT_MS (180000), KAFKA_BROKERS (127.0.0.1:9092; the 3-broker cluster:
 * 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094), DATABASE_URL (an admin URL: a database is created and dropped).
 * Ends with one `RESULT {json}` line; exit 1 when an order is missing or has two outcomes.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import http from 'http';
import { join } from 'path';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { buildEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { kafkaSecurityFromEnv } from '@app/platform/config';
import { customerOf, GATE_NODE_FLAGS, partnerOf, seedPairs } from './gate';

const env = process.env;
const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const adminUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const orderCount = Number(env.BENCH_ORDERS ?? 20000);
const warmupCount = Number(env.BENCH_WARMUP ?? 1000);
const pairs = Number(env.BENCH_PAIRS ?? 1000);
const basePort = Number(env.BENCH_PORT ?? 3913);
const decideTimeoutMs = Number(env.BENCH_DECIDE_TIMEOUT_MS ?? 180000);
const REPO_ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  orders: number;
  decided: number;
  missing: number;
  /** Decision events delivered for an order beyond its first. */
  duplicates: number;
  /** Orders with two different outcomes (approved and blocked): a G-10 failure. */
  conflicting: number;
  outcomes: Record<string, number>;
}

interface PhaseResult extends Tally {
  instances: number;
  produceMs: number;
  decideMs: number;
  perSecond: number;
}

/** Every decision event on commerce.orders.decided whose orderId starts with a prefix, by orderId. */
class DecisionLog {
  readonly byOrder = new Map<string, string[]>();
  private lastArrival = 0;
  private readonly consumer;

  constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({
      groupId: `bench-gate-instances-watch-${randomUUID()}`,
      maxWaitTimeInMs: 5,
    });
  }

  async start(): Promise<void> {
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (joined = true));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.OrdersDecided], fromBeginning: false });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const text = m.value?.toString('utf8') ?? '';
          if (!text.includes('"orderId":"gi-')) continue;
          const event = JSON.parse(text) as { eventType: string; data: { orderId: string } };
          const seen = this.byOrder.get(event.data.orderId);
          if (seen) seen.push(event.eventType);
          else this.byOrder.set(event.data.orderId, [event.eventType]);
          this.lastArrival = now;
        }
      },
    });
    while (!joined) await sleep(20);
    await sleep(1000);
  }

  /** Waits until every one of `ids` has a decision (or the timeout); the time of the last arrival. */
  async waitFor(ids: readonly string[], timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let from = 0;
    while (Date.now() < deadline) {
      while (from < ids.length && this.byOrder.has(ids[from])) from++;
      if (from === ids.length) break;
      await sleep(50);
    }
    return this.lastArrival;
  }

  tally(ids: readonly string[]): Tally {
    const t: Tally = {
      orders: ids.length,
      decided: 0,
      missing: 0,
      duplicates: 0,
      conflicting: 0,
      outcomes: {},
    };
    for (const id of ids) {
      const seen = this.byOrder.get(id);
      if (!seen) {
        t.missing++;
        continue;
      }
      t.decided++;
      t.duplicates += seen.length - 1;
      if (new Set(seen).size > 1) t.conflicting++;
      t.outcomes[seen[0]] = (t.outcomes[seen[0]] ?? 0) + 1;
    }
    return t;
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/** Produces `count` orders of the seeded pairs as fast as acks=all allows; their ids. */
async function produceOrders(producer: Producer, tag: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const sends: Promise<unknown>[] = [];
  for (let from = 0; from < count; from += 500) {
    const messages = [];
    for (let k = from; k < Math.min(count, from + 500); k++) {
      const i = k % pairs;
      const data: OrderRequestedV1 = {
        orderId: `gi-${tag}-${k}`,
        partnerId: partnerOf(i),
        customerTenantId: customerOf(i),
        kind: 'NewPurchase',
        channel: 'Api',
        requestedAt: new Date().toISOString(),
        lineItems: [{ offerId: 'bench-offer', quantity: 1 }],
      };
      ids.push(data.orderId);
      messages.push({
        key: data.customerTenantId,
        value: JSON.stringify(buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' })),
      });
    }
    sends.push(producer.send({ topic: Topics.OrdersRequested, acks: -1, messages }));
  }
  await Promise.all(sends);
  return ids;
}

function ready(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health/ready' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

/** Until every consumer group of the gates is stable with `members` members, twice in a row. */
async function waitForStableGroups(admin: Admin, groupPrefix: string, members: number): Promise<void> {
  const deadline = Date.now() + 90000;
  let stableChecks = 0;
  while (stableChecks < 2) {
    if (Date.now() > deadline) throw new Error(`the gates' groups did not settle with ${members} member(s)`);
    await sleep(500);
    const ids = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(groupPrefix));
    const { groups } = ids.length > 0 ? await admin.describeGroups(ids) : { groups: [] };
    const stable =
      groups.length > 0 && groups.every((g) => g.state === 'Stable' && g.members.length === members);
    stableChecks = stable ? stableChecks + 1 : 0;
  }
}

function startGates(instances: number, dbUrl: string, groupPrefix: string, secret: string): ChildProcess[] {
  return Array.from({ length: instances }, (_, i) =>
    spawn(
      process.execPath,
      [
        '--disable-warning=TimeoutNegativeWarning',
        ...GATE_NODE_FLAGS,
        join(REPO_ROOT, 'dist/apps/order-gate/src/main.js'),
      ],
      {
        env: {
          ...env,
          DATABASE_URL: dbUrl,
          ORDER_GATE_PORT: String(basePort + 100 * i),
          KAFKA_GROUP_PREFIX: groupPrefix,
          KAFKA_NEW_GROUP_START: 'latest',
          JWT_SECRET: secret,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    ),
  );
}

async function stopGates(gates: ChildProcess[]): Promise<void> {
  await Promise.all(
    gates.map((g) =>
      g.exitCode !== null ? undefined : new Promise((r) => (g.once('exit', r), g.kill('SIGTERM'))),
    ),
  );
}

async function phase(
  instances: number,
  setup: { kafka: Kafka; admin: Admin; producer: Producer; log: DecisionLog; dbUrl: string; secret: string },
  seed?: () => Promise<void>,
): Promise<PhaseResult> {
  const groupPrefix = `bench-gi-${randomUUID().slice(0, 8)}`;
  const gates = startGates(instances, setup.dbUrl, groupPrefix, setup.secret);
  try {
    const deadline = Date.now() + 90000;
    for (let i = 0; i < instances; i++) {
      while (!(await ready(basePort + 100 * i))) {
        if (gates[i].exitCode !== null) throw new Error(`order-gate #${i + 1} exited (${gates[i].exitCode})`);
        if (Date.now() > deadline) throw new Error(`order-gate #${i + 1} did not become ready`);
        await sleep(200);
      }
    }
    await seed?.();
    await waitForStableGroups(setup.admin, `${groupPrefix}.order-gate.`, instances);
    const tag = `${instances}-${randomBytes(3).toString('hex')}`;
    const warmIds = await produceOrders(setup.producer, `${tag}-warm`, warmupCount);
    await setup.log.waitFor(warmIds, decideTimeoutMs);
    const started = Date.now();
    const ids = await produceOrders(setup.producer, tag, orderCount);
    const produced = Date.now();
    const last = await setup.log.waitFor(ids, decideTimeoutMs);
    const tally = setup.log.tally([...warmIds, ...ids]);
    const decideMs = Math.max(1, last - started);
    const result: PhaseResult = {
      instances,
      ...tally,
      produceMs: produced - started,
      decideMs,
      perSecond: Math.round((orderCount / decideMs) * 1000),
    };
    console.log(
      `${instances} instance(s): ${orderCount} orders (+${warmupCount} warm-up) produced in ${result.produceMs} ms, ` +
        `all decided after ${decideMs} ms: ${result.perSecond} decisions/s; decided ${tally.decided}/${tally.orders}, ` +
        `missing ${tally.missing}, duplicates ${tally.duplicates}, conflicting ${tally.conflicting}, ` +
        `outcomes ${JSON.stringify(tally.outcomes)}`,
    );
    return result;
  } finally {
    await stopGates(gates);
  }
}

async function main() {
  const dbName = `bench_gate_instances_${randomBytes(4).toString('hex')}`;
  const pg = new Client({ connectionString: adminUrl });
  await pg.connect();
  await pg.query(`CREATE DATABASE "${dbName}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  const kafka = new Kafka({
    clientId: 'bench-gate-instances',
    brokers,
    logLevel: logLevel.ERROR,
    ...kafkaSecurityFromEnv(),
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const log = new DecisionLog(kafka);
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    await log.start();
    const setup = {
      kafka,
      admin,
      producer,
      log,
      dbUrl,
      secret: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    };
    console.log(
      `order gate, one instance then two (separate processes, one group), ${orderCount} orders each, ` +
        `${pairs} seeded pairs, brokers ${brokers.join(',')}; the machine's cores are shared with the broker(s) and Postgres`,
    );
    const one = await phase(1, setup, () => seedPairs(dbUrl, 0, pairs));
    const two = await phase(2, setup);
    const correct = [one, two].every((r) => r.missing === 0 && r.conflicting === 0);
    const speedup = Number((two.perSecond / one.perSecond).toFixed(2));
    console.log(
      `\nsummary: ${one.perSecond}/s with one instance, ${two.perSecond}/s with two (x${speedup}); ${correct ? 'correct' : 'NOT CORRECT'}`,
    );
    console.log(
      `RESULT ${JSON.stringify({
        bench: 'gate-instances',
        node: process.version,
        brokers: brokers.length,
        orders: orderCount,
        one,
        two,
        speedup,
        correct,
      })}`,
    );
    if (!correct) process.exitCode = 1;
  } finally {
    await log.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await pg.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await pg.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
