/*
 * npm run bench:gate — the order gate at the relay's pace, on the real broker, beside bare relays in the same run.
 *
 * Starts `node dist/apps/order-gate/src/main.js` against a fresh database and seeds partner-customer pairs
 * (the facts the gate holds) straight into the gate's own projection tables by SQL: an active relationship and
 * an MCA attestation per pair, generate_series in steps of 200,000, then VACUUM ANALYZE and CHECKPOINT, so a
 * million pairs load in well under a minute and the phases that follow measure the gate, not the load.
 * Phases, each measured on commerce.orders.decided (the decision's arrival, by orderId):
 * - offered rate: OrderRequested at a fixed rate (each order's requestedAt is the instant it was due) for
 *   BENCH_SECONDS: decisions/s and requested->decided latency p50/p99/max, at BENCH_LOW_RATE and BENCH_HIGH_RATE;
 * - saturation: the gate is stopped, BENCH_SATURATION_ORDERS orders are pre-loaded on the topic as fast as the
 *   producer goes, the gate is started again and decisions/s is timed from the first decision's arrival to the
 *   last's (the gate's start-up is left out);
 * - the latency phase again with BENCH_BIG_PAIRS pairs in the projection;
 * - the ceiling: a bare kafkajs relay in this process (consume a batch, produce a decision-shaped message per
 *   request) through the same three phases (its saturation: paused, pre-loaded, resumed), then the rate phases
 *   with @platformatic/kafka (a maintained client, measured for a possible switch; docs/kafka-client.md).
 * Environment: BENCH_SECONDS (10), BENCH_HIGH_RATE (6000), BENCH_LOW_RATE (1000), BENCH_BIG_PAIRS (1000000),
 * BENCH_SATURATION_ORDERS (60000), BENCH_SERVICE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for the
 * gate's process, after the flags it is deployed with), DATABASE_URL and KAFKA_BROKERS as for the services.
 * Ends with one `RESULT {json}` line: the gate's figures, the relays' and the ratios the goals are set on.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHash, randomBytes, randomUUID } from 'crypto';
import http from 'http';
import { join } from 'path';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { kafkaSecurityFromEnv } from '@app/platform/config';
import { Client } from 'pg';
import { buildEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { quoteIdent } from '@app/messaging';
import { ORDER_GATE_SCHEMA } from '../apps/order-gate/src/config';

const env = process.env;
const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const adminUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(env.BENCH_SECONDS ?? 10);
const highRate = Number(env.BENCH_HIGH_RATE ?? 6000);
const lowRate = Number(env.BENCH_LOW_RATE ?? 1000);
const bigPairs = Number(env.BENCH_BIG_PAIRS ?? 1_000_000);
const saturationOrders = Number(env.BENCH_SATURATION_ORDERS ?? 60_000);
const port = Number(env.BENCH_PORT ?? 3903);
const REPO_ROOT = join(__dirname, '..', '..');
/** The flags the service is launched with (node_flags in scripts/start.sh, and the Dockerfile). */
export const GATE_NODE_FLAGS = ['--min-semi-space-size=16', '--initial-old-space-size=128'];
const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

const uuidOf = (text: string) => {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
export const partnerOf = (i: number) => uuidOf(`p${i}`);
export const customerOf = (i: number) => uuidOf(`c${i}`);

interface PhaseResult {
  label: string;
  offered: number;
  decided: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Arrival time of each decision on commerce.orders.decided, by orderId. */
class DecidedWatcher {
  readonly arrivals = new Map<string, number>();
  /** When the gate stamped each decision (decidedAt): splits the latency into deciding and sending. */
  readonly decidedAt = new Map<string, number>();
  private readonly consumer;
  constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({ groupId: `bench-gate-watch-${randomUUID()}`, maxWaitTimeInMs: 5 });
  }
  async start() {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.OrdersDecided], fromBeginning: false });
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (joined = true));
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const text = m.value?.toString('utf8') ?? '';
          const at = text.indexOf('"orderId":"bench-');
          if (at < 0) continue;
          const id = text.slice(at + 11, text.indexOf('"', at + 11));
          if (!this.arrivals.has(id)) this.arrivals.set(id, now);
          const stamp = text.indexOf('"decidedAt":"');
          if (stamp >= 0)
            this.decidedAt.set(id, Date.parse(text.slice(stamp + 13, text.indexOf('"', stamp + 13))));
        }
      },
    });
    while (!joined) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000));
  }
  stop() {
    return this.consumer.disconnect();
  }
}

/** An OrderRequested for a random pair among the first `pairs`, requested at `requestedAt` (epoch ms). */
function orderMessage(pairs: number, requestedAt: number) {
  const i = Math.floor(Math.random() * pairs);
  const data: OrderRequestedV1 = {
    orderId: `bench-${randomUUID()}`,
    partnerId: partnerOf(i),
    customerTenantId: customerOf(i),
    kind: 'NewPurchase',
    channel: 'Api',
    requestedAt: new Date(requestedAt).toISOString(),
    lineItems: [{ offerId: 'bench-offer', quantity: 1 }],
  };
  const message = {
    key: data.customerTenantId,
    value: JSON.stringify(buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' })),
  };
  return { orderId: data.orderId, message };
}

interface SaturationResult {
  label: string;
  orders: number;
  decided: number;
  perSecond: number;
  /** Time from the first decision's arrival to the last's. */
  drainMs: number;
}

/**
 * Saturation: `count` orders are put on the topic as fast as the producer goes while nobody consumes them, then
 * `startConsuming` lets the gate (or relay) at them; decisions/s from the first decision's arrival to the last's.
 */
async function saturate(
  producer: Producer,
  watcher: DecidedWatcher,
  label: string,
  count: number,
  pairs: number,
  startConsuming: () => Promise<void>,
): Promise<SaturationResult> {
  const ids: string[] = [];
  const loadStarted = Date.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < count; sent += 500) {
    const messages = [];
    for (let k = sent; k < Math.min(count, sent + 500); k++) {
      const order = orderMessage(pairs, Date.now());
      ids.push(order.orderId);
      messages.push(order.message);
    }
    const send: Promise<unknown> = producer
      .send({ topic: Topics.OrdersRequested, acks: -1, messages })
      .finally(() => inFlight.delete(send));
    inFlight.add(send);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const loadMs = Date.now() - loadStarted;
  await startConsuming();
  const deadline = Date.now() + 300_000;
  const decided = () => ids.reduce((n, id) => n + (watcher.arrivals.has(id) ? 1 : 0), 0);
  while (decided() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  let first = Infinity;
  let last = 0;
  for (const id of ids) {
    const at = watcher.arrivals.get(id);
    if (at === undefined) continue;
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  const result = {
    label,
    orders: count,
    decided: decided(),
    drainMs: last - first,
    perSecond: Math.round((decided() / Math.max(1, last - first)) * 1000),
  };
  console.log(
    `${label.padEnd(44)} pre-loaded ${count} in ${loadMs} ms, decided ${result.decided}/${count} in ${result.drainMs} ms: ${result.perSecond}/s`,
  );
  return result;
}

async function offer(
  producer: Producer,
  watcher: DecidedWatcher,
  label: string,
  rate: number,
  pairs: number,
): Promise<PhaseResult> {
  const due = new Map<string, number>();
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  const started = Date.now();
  let sent = 0;
  const sends: Promise<unknown>[] = [];
  // How late this process itself offered each tick: part of every latency below, gate's or relay's.
  const lags: number[] = [];
  for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
    const dueAt = started + tick * tickMs;
    const wait = dueAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const count = Math.floor(perTick * (tick + 1)) - Math.floor(perTick * tick);
    const messages = [];
    for (let k = 0; k < count; k++) {
      const order = orderMessage(pairs, dueAt);
      due.set(order.orderId, dueAt);
      messages.push(order.message);
    }
    sent += count;
    lags.push(Date.now() - dueAt);
    sends.push(producer.send({ topic: Topics.OrdersRequested, acks: -1, messages }));
  }
  await Promise.all(sends);
  const deadline = Date.now() + 60000;
  const done = () => [...due.keys()].every((id) => watcher.arrivals.has(id));
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const latencies: number[] = [];
  const toDecided: number[] = [];
  const toArrival: number[] = [];
  let last = started;
  for (const [id, at] of due) {
    const arrived = watcher.arrivals.get(id);
    if (arrived === undefined) continue;
    latencies.push(arrived - at);
    last = Math.max(last, arrived);
    const decidedAt = watcher.decidedAt.get(id);
    if (decidedAt !== undefined) {
      toDecided.push(decidedAt - at);
      toArrival.push(arrived - decidedAt);
    }
  }
  latencies.sort((a, b) => a - b);
  toDecided.sort((a, b) => a - b);
  toArrival.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const result = {
    label,
    offered: rate,
    decided: latencies.length,
    perSecond: Math.round(latencies.length / ((last - started) / 1000)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
  };
  console.log(
    `${label.padEnd(44)} offered ${String(rate).padStart(5)}/s  decided ${String(result.decided).padStart(6)}/${sent}  ` +
      `${String(result.perSecond).padStart(5)}/s  p50 ${result.p50} ms  p99 ${result.p99} ms  max ${result.max} ms` +
      (toDecided.length > 0
        ? `  (requested->decidedAt p50/p99 ${percentile(toDecided, 50)}/${percentile(toDecided, 99)} ms,` +
          ` decidedAt->arrival ${percentile(toArrival, 50)}/${percentile(toArrival, 99)} ms,` +
          ` offered late p99 ${percentile(lags, 99)} ms)`
        : ''),
  );
  return result;
}

/** The ceiling: consume OrderRequested and produce a decision-shaped message, nothing else. */
async function startBareRelay(kafka: Kafka) {
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `bench-gate-relay-${randomUUID()}`, maxWaitTimeInMs: 5 });
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.OrdersRequested], fromBeginning: false });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const messages = batch.messages.map((m) => {
        const request = JSON.parse(m.value!.toString('utf8'));
        const data = { ...request.data, reason: 'AcceptanceConfirmed', decidedAt: new Date().toISOString() };
        return {
          key: m.key,
          value: JSON.stringify(buildEnvelope('OrderApproved', data, { producer: 'order-gate' })),
        };
      });
      // In sends of at most 200: a whole partition's fetch (1 MiB) in one would pass the broker's message size.
      const sends = [];
      for (let i = 0; i < messages.length; i += 200)
        sends.push(
          producer.send({ topic: Topics.OrdersDecided, acks: -1, messages: messages.slice(i, i + 200) }),
        );
      await Promise.all(sends);
    },
  });
  while (!joined) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1000));
  return {
    pause: () => consumer.pause([{ topic: Topics.OrdersRequested }]),
    resume: () => consumer.resume([{ topic: Topics.OrdersRequested }]),
    stop: async () => {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** The same ceiling with @platformatic/kafka: its consumer is a stream, so a turn of the event loop's messages go in one send. */
async function startBarePlatformaticRelay() {
  // Loaded here, not at the top: it needs Node >= 22.22, and the bench also runs on older runtimes to compare them.
  const {
    Consumer: PConsumer,
    MessagesStreamModes,
    ProduceAcks,
    Producer: PProducer,
    stringDeserializers,
    stringSerializers,
  } = await import('@platformatic/kafka');
  const base = { clientId: 'bench-gate-relay-platformatic', bootstrapBrokers: brokers };
  const producer = new PProducer({ ...base, serializers: stringSerializers, acks: ProduceAcks.ALL });
  const consumer = new PConsumer({
    ...base,
    groupId: `bench-gate-relay-${randomUUID()}`,
    deserializers: stringDeserializers,
    maxWaitTime: 5,
  });
  const stream = await consumer.consume({
    topics: [Topics.OrdersRequested],
    mode: MessagesStreamModes.LATEST,
  });
  let pending: Array<{ topic: string; key: string; value: string }> = [];
  let sending = Promise.resolve();
  let scheduled = false;
  stream.on('data', (m) => {
    const request = JSON.parse(m.value);
    const data = { ...request.data, reason: 'AcceptanceConfirmed', decidedAt: new Date().toISOString() };
    pending.push({
      topic: Topics.OrdersDecided,
      key: m.key,
      value: JSON.stringify(buildEnvelope('OrderApproved', data, { producer: 'order-gate' })),
    });
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const messages = pending;
      pending = [];
      // In sends of at most 200, as kafkajs's relay gets them: a whole turn's backlog would pass the broker's message size.
      for (let i = 0; i < messages.length; i += 200) {
        const part = messages.slice(i, i + 200);
        sending = sending.then(() => producer.send({ messages: part }).then(() => undefined));
      }
    });
  });
  await new Promise((r) => setTimeout(r, 1000));
  return async () => {
    await sending;
    await consumer.close(true);
    await producer.close();
  };
}

/** Pairs from..to-1 (partnerOf(i), customerOf(i)): an active relationship and an MCA attestation each. */
export async function seedPairs(url: string, from: number, to: number) {
  const s = quoteIdent(ORDER_GATE_SCHEMA);
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const step = 200_000;
    for (let lo = from; lo < to; lo += step) {
      const hi = Math.min(to, lo + step) - 1;
      await c.query(
        `INSERT INTO ${s}.relationships (partner_id, customer_tenant_id, active, changed_at, event_id)
         SELECT md5('p' || i)::uuid, md5('c' || i)::uuid, true, now(), gen_random_uuid() FROM generate_series($1::int, $2::int) i
         ON CONFLICT DO NOTHING`,
        [lo, hi],
      );
      await c.query(
        `INSERT INTO ${s}.acceptances (partner_id, customer_tenant_id, agreement_type, source, template_id, date_agreed, event_id)
         SELECT md5('p' || i)::uuid, md5('c' || i)::uuid, 'MicrosoftCustomerAgreement', 'PartnerAttestation', $3, now() - interval '1 day', gen_random_uuid()
           FROM generate_series($1::int, $2::int) i ON CONFLICT DO NOTHING`,
        [lo, hi, MCA_TEMPLATE],
      );
    }
    // VACUUM as well: a million fresh rows would have autovacuum vacuum them (insert threshold) in the
    // middle of the next phase, which is setup work, not the gate's.
    await c.query(`VACUUM (ANALYZE) ${s}.relationships, ${s}.acceptances`);
    // Write the seeded pages back now, not during the next phase (a checkpoint after a million-row
    // load stalls commits for seconds and would be measured as the gate's latency).
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

/**
 * After the saturation phase: its tens of thousands of decisions and deleted outbox rows vacuumed and written back
 * now, so that autovacuum and a checkpoint do not land in the latency phase that follows.
 */
async function settle(url: string) {
  const s = quoteIdent(ORDER_GATE_SCHEMA);
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`VACUUM (ANALYZE) ${s}.decisions, ${s}.outbox`);
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

function ready(): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health/ready' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

async function main() {
  const dbName = `bench_gate_test_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  let gate: ChildProcess | undefined;
  const kafka = new Kafka({
    clientId: 'bench-gate',
    brokers,
    logLevel: logLevel.ERROR,
    ...kafkaSecurityFromEnv(),
  });
  const producer = kafka.producer();
  const watcher = new DecidedWatcher(kafka);
  const groupPrefix = `bench-${randomUUID().slice(0, 8)}`;
  const secret = env.JWT_SECRET ?? randomBytes(32).toString('hex');
  const nodeArgs = [...GATE_NODE_FLAGS, ...(env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  /** Starts the gate (again: the same group, so it goes on from its committed offsets) and waits until ready. */
  const startGate = async () => {
    gate = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'dist/apps/order-gate/src/main.js')], {
      env: {
        ...env,
        DATABASE_URL: dbUrl,
        ORDER_GATE_PORT: String(port),
        KAFKA_GROUP_PREFIX: groupPrefix,
        KAFKA_NEW_GROUP_START: 'latest',
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 60000;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error('order-gate did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stopGate = async () => {
    const stopping = gate!;
    gate = undefined;
    const exited = new Promise((r) => stopping.once('exit', r));
    stopping.kill('SIGTERM');
    await exited;
  };
  try {
    await startGate();
    await producer.connect();
    await watcher.start();
    await seedPairs(dbUrl, 0, 1000);
    console.log(
      `order gate, ${seconds} s per phase (the machine's 2 cores are shared with the broker, Postgres and whatever else runs)`,
    );
    await offer(producer, watcher, 'warm-up', lowRate, 1000);
    const low = await offer(producer, watcher, 'gate, 1,000 pairs, latency', lowRate, 1000);
    const high = await offer(producer, watcher, 'gate, 1,000 pairs, throughput', highRate, 1000);
    await stopGate();
    const saturated = await saturate(
      producer,
      watcher,
      'gate, 1,000 pairs, saturation',
      saturationOrders,
      1000,
      startGate,
    );
    await settle(dbUrl);
    const t0 = Date.now();
    await seedPairs(dbUrl, 1000, bigPairs);
    console.log(
      `seeded ${bigPairs.toLocaleString('en')} pairs in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await offer(producer, watcher, 'warm-up', lowRate, bigPairs);
    const big = await offer(
      producer,
      watcher,
      `gate, ${bigPairs.toLocaleString('en')} pairs, latency`,
      lowRate,
      bigPairs,
    );
    await stopGate();
    const relay = await startBareRelay(kafka);
    const relayLow = await offer(producer, watcher, 'bare kafkajs relay, latency', lowRate, 1000);
    const relayHigh = await offer(producer, watcher, 'bare kafkajs relay, throughput', highRate, 1000);
    relay.pause();
    const relaySaturated = await saturate(
      producer,
      watcher,
      'bare kafkajs relay, saturation',
      saturationOrders,
      1000,
      async () => relay.resume(),
    );
    await relay.stop();
    let platformaticHigh: PhaseResult | undefined;
    if (Number(process.versions.node.split('.')[0]) >= 24) {
      const stopPlatformatic = await startBarePlatformaticRelay();
      await offer(producer, watcher, 'bare @platformatic/kafka relay, latency', lowRate, 1000);
      platformaticHigh = await offer(
        producer,
        watcher,
        'bare @platformatic/kafka relay, throughput',
        highRate,
        1000,
      );
      await stopPlatformatic();
    } else
      console.log(`bare @platformatic/kafka relay: skipped, it needs Node 24 (this is ${process.version})`);
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    const ratios = {
      throughputToRelay: ratio(high.perSecond, relayHigh.perSecond),
      saturationToRelay: ratio(saturated.perSecond, relaySaturated.perSecond),
      p99ToRelay: ratio(low.p99, relayLow.p99),
      bigPairsP99ToSmall: ratio(big.p99, low.p99),
    };
    const goals = {
      throughput: ratios.throughputToRelay >= 0.8,
      saturation: saturated.perSecond >= 10_000,
      p99: ratios.p99ToRelay <= 2,
      bigPairs: ratios.bigPairsP99ToSmall <= 1.5,
    };
    console.log('\nsummary (goals of issue #16)');
    console.log(
      `  decisions/s at ${highRate}/s offered: ${high.perSecond}, bare relay ${relayHigh.perSecond}: x${ratios.throughputToRelay} (goal >= 0.8)`,
    );
    console.log(
      `  decisions/s at saturation: ${saturated.perSecond} (goal >= 10,000), bare relay ${relaySaturated.perSecond}: x${ratios.saturationToRelay}`,
    );
    console.log(
      `  p99 at ${lowRate}/s, 1,000 pairs: ${low.p99} ms, bare relay ${relayLow.p99} ms: x${ratios.p99ToRelay} (goal <= 2)`,
    );
    console.log(
      `  p99 at ${lowRate}/s with ${bigPairs.toLocaleString('en')} pairs: ${big.p99} ms vs ${low.p99} ms with 1,000: x${ratios.bigPairsP99ToSmall} (goal <= 1.5)`,
    );
    const phase = (r: PhaseResult) => ({ perSecond: r.perSecond, p50: r.p50, p99: r.p99 });
    const drained = (r: SaturationResult) => ({
      perSecond: r.perSecond,
      orders: r.orders,
      decided: r.decided,
    });
    console.log(
      `RESULT ${JSON.stringify({
        bench: 'gate',
        node: process.version,
        seconds,
        gate: {
          latency: phase(low),
          throughput: phase(high),
          saturation: drained(saturated),
          bigLatency: { ...phase(big), pairs: bigPairs },
        },
        baseline: {
          kafkajsRelay: {
            latency: phase(relayLow),
            throughput: phase(relayHigh),
            saturation: drained(relaySaturated),
          },
          platformaticRelay: platformaticHigh && { throughput: phase(platformaticHigh) },
        },
        ratios,
        goals,
      })}`,
    );
  } finally {
    gate?.kill('SIGTERM');
    await watcher.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

// bench/gate-instances.ts imports the pieces above; only `node dist/bench/gate.js` runs this bench.
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
