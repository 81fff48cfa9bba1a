/*
 * npm run bench:kafka-clients — kafkajs (the client the services use, the baseline) against @platformatic/kafka,
 * same run, same broker, same topics: produce, consume and consume-and-produce (relay) rates, with p99.
 *
 * Two fresh topics of 6 partitions (in → out). Each client in turn: produces BENCH_MESSAGES (100,000) values of
 * 400 bytes in batches of 200 with acks=all (rate, p99 of one batch's send); consumes them all in a new group (rate);
 * relays them from `in` to `out` in batches as they arrive (rate, p99 from a message's production to its relayed
 * copy's arrival). The relay is measured twice: draining a backlog of BENCH_MESSAGES from the topic's start (rate), and
 * at an offered BENCH_RELAY_RATE (2,000/s) for 5 s (p99 from a message's production to its relayed copy's arrival).
 * Environment: BENCH_MESSAGES, BENCH_RELAY_RATE, KAFKA_BROKERS. @platformatic/kafka needs Node >= 22.22 or 24.6.
 *
 * @confluentinc/kafka-javascript (librdkafka) is measured too when it can be loaded: it is not a dependency, since it
 * does not install on a machine without access to github.com and the libraries' own sites (docs/performance.md,
 * "Kafka clients"). When it cannot be loaded, the RESULT line says so and why.
 */
import { randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  Consumer as PConsumer,
  MessagesStreamModes,
  ProduceAcks,
  Producer as PProducer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const total = Number(process.env.BENCH_MESSAGES ?? 100_000);
const relayRate = Number(process.env.BENCH_RELAY_RATE ?? 2000);
const PACED_SECONDS = 5;
const BATCH = 200;
const PARTITIONS = 6;
const padding = 'x'.repeat(400);

/** A 400-byte value carrying the instant it was produced, so the relay's latency is measured end to end. */
const valueAt = (i: number) => {
  const head = JSON.stringify({ i, at: Date.now() });
  return head + padding.slice(head.length);
};
const keyOf = (i: number) => `k${i % 997}`;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sortNum = (a: number[]) => a.sort((x, y) => x - y);

interface ClientFigures {
  produce: { perSecond: number; p99BatchMs: number };
  consume: { perSecond: number };
  relay: { perSecond: number; p99Ms: number };
}

interface Client {
  name: string;
  /** Sends `total` messages to `topic`; returns each batch's send time in ms. */
  produce(topic: string): Promise<number[]>;
  /** Reads `total` messages of `topic` from the start in a new group; resolves when all arrived. */
  consume(topic: string): Promise<void>;
  /** Starts relaying `from` → `to`, from the topic's start or from its end; returns a stop function. */
  relay(from: string, to: string, fromStart: boolean): Promise<() => Promise<void>>;
}

function kafkajsClient(): Client {
  const kafka = new Kafka({ clientId: 'bench-clients-kafkajs', brokers, logLevel: logLevel.ERROR });
  return {
    name: 'kafkajs 2.2.4',
    async produce(topic) {
      const producer = kafka.producer();
      await producer.connect();
      const times: number[] = [];
      for (let i = 0; i < total; i += BATCH) {
        const messages = Array.from({ length: Math.min(BATCH, total - i) }, (_, k) => ({
          key: keyOf(i + k),
          value: valueAt(i + k),
        }));
        const t = performance.now();
        await producer.send({ topic, acks: -1, messages });
        times.push(performance.now() - t);
      }
      await producer.disconnect();
      return times;
    },
    async consume(topic) {
      const consumer = kafka.consumer({ groupId: `bench-clients-${randomUUID()}`, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let seen = 0;
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= total) resolve();
          },
        });
      });
      await consumer.disconnect();
    },
    async relay(from, to, fromStart) {
      const producer = kafka.producer();
      await producer.connect();
      const consumer = kafka.consumer({ groupId: `bench-clients-${randomUUID()}`, maxWaitTimeInMs: 5 });
      await consumer.connect();
      await consumer.subscribe({ topics: [from], fromBeginning: fromStart });
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          const messages = batch.messages.map((m) => ({ key: m.key, value: m.value }));
          if (messages.length > 0) await producer.send({ topic: to, acks: -1, messages });
        },
      });
      while (!joined) await new Promise((r) => setTimeout(r, 20));
      return async () => {
        await consumer.disconnect();
        await producer.disconnect();
      };
    },
  };
}

function platformaticClient(): Client {
  const base = { clientId: 'bench-clients-platformatic', bootstrapBrokers: brokers };
  const newConsumer = () =>
    new PConsumer({
      ...base,
      groupId: `bench-clients-${randomUUID()}`,
      deserializers: stringDeserializers,
      maxWaitTime: 5,
    });
  return {
    name: '@platformatic/kafka 2.12',
    async produce(topic) {
      const producer = new PProducer({ ...base, serializers: stringSerializers, acks: ProduceAcks.ALL });
      const times: number[] = [];
      for (let i = 0; i < total; i += BATCH) {
        const messages = Array.from({ length: Math.min(BATCH, total - i) }, (_, k) => ({
          topic,
          key: keyOf(i + k),
          value: valueAt(i + k),
        }));
        const t = performance.now();
        await producer.send({ messages });
        times.push(performance.now() - t);
      }
      await producer.close();
      return times;
    },
    async consume(topic) {
      const consumer = newConsumer();
      const stream = await consumer.consume({
        topics: [topic],
        mode: MessagesStreamModes.EARLIEST,
        autocommit: true,
        maxWaitTime: 100,
      });
      let seen = 0;
      for await (const _message of stream) if (++seen >= total) break;
      await consumer.close(true);
    },
    async relay(from, to, fromStart) {
      const producer = new PProducer({ ...base, serializers: stringSerializers, acks: ProduceAcks.ALL });
      const consumer = newConsumer();
      const mode = fromStart ? MessagesStreamModes.EARLIEST : MessagesStreamModes.LATEST;
      const stream = await consumer.consume({ topics: [from], mode, autocommit: true });
      // The stream hands messages one at a time: gather what arrived in one turn of the event loop into one send.
      let pending: Array<{ topic: string; key: string; value: string }> = [];
      let sending = Promise.resolve();
      let scheduled = false;
      stream.on('data', (m) => {
        pending.push({ topic: to, key: m.key, value: m.value });
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
      return async () => {
        await sending;
        await consumer.close(true);
        await producer.close();
      };
    },
  };
}

const CONFLUENT = '@confluentinc/kafka-javascript';

/** The parts of @confluentinc/kafka-javascript's KafkaJS-compatible API this bench uses (it is not installed here). */
interface ConfluentKafkaJs {
  Kafka: new (config: object) => {
    producer(config?: object): {
      connect(): Promise<void>;
      send(record: {
        topic: string;
        messages: Array<{ key: string | Buffer | null; value: string | Buffer | null }>;
      }): Promise<unknown>;
      disconnect(): Promise<void>;
    };
    consumer(config: object): {
      connect(): Promise<void>;
      subscribe(subscription: { topics: string[] }): Promise<void>;
      run(config: {
        partitionsConsumedConcurrently?: number;
        eachBatch: (payload: {
          batch: { messages: Array<{ key: Buffer | null; value: Buffer | null }> };
        }) => Promise<void>;
      }): Promise<void>;
      disconnect(): Promise<void>;
    };
  };
}

/** The client when it loads; otherwise why not (it is loaded at run time, so a machine that has it measures it). */
async function loadConfluent(): Promise<{ kafkaJs: ConfluentKafkaJs; version: string } | { reason: string }> {
  try {
    const name = CONFLUENT;
    const loaded = (await import(name)) as { KafkaJS?: ConfluentKafkaJs };
    if (!loaded.KafkaJS) return { reason: `${CONFLUENT} loaded, but has no KafkaJS API` };
    const { version } = (await import(`${name}/package.json`)) as { version: string };
    return { kafkaJs: loaded.KafkaJS, version };
  } catch (error) {
    return {
      reason:
        `${(error as Error).message.split('\n')[0]}: it is not installed, and \`npm install ${CONFLUENT}\` (1.10.1) fails ` +
        'here: its prebuilt librdkafka binary comes from github.com, and the source build downloads zlib, OpenSSL, ' +
        'zstd and curl from their sites, none reachable from this machine (docs/performance.md, "Kafka clients")',
    };
  }
}

function confluentClient(kafkaJs: ConfluentKafkaJs, version: string): Client {
  const kafka = new kafkaJs.Kafka({ kafkaJS: { clientId: 'bench-clients-confluent', brokers } });
  // acks and fromBeginning are the client's configuration here, not per send or subscribe (its migration guide).
  const newProducer = () => kafka.producer({ kafkaJS: { acks: -1 } });
  const newConsumer = (fromBeginning: boolean) =>
    kafka.consumer({
      kafkaJS: { groupId: `bench-clients-${randomUUID()}`, fromBeginning, maxWaitTimeInMs: 5 },
    });
  return {
    name: `confluent ${version}`,
    async produce(topic) {
      const producer = newProducer();
      await producer.connect();
      const times: number[] = [];
      for (let i = 0; i < total; i += BATCH) {
        const messages = Array.from({ length: Math.min(BATCH, total - i) }, (_, k) => ({
          key: keyOf(i + k),
          value: valueAt(i + k),
        }));
        const t = performance.now();
        await producer.send({ topic, messages });
        times.push(performance.now() - t);
      }
      await producer.disconnect();
      return times;
    },
    async consume(topic) {
      const consumer = newConsumer(true);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      let seen = 0;
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= total) resolve();
          },
        });
      });
      await consumer.disconnect();
    },
    async relay(from, to, fromStart) {
      const producer = newProducer();
      await producer.connect();
      const consumer = newConsumer(fromStart);
      await consumer.connect();
      await consumer.subscribe({ topics: [from] });
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          const messages = batch.messages.map((m) => ({ key: m.key, value: m.value }));
          if (messages.length > 0) await producer.send({ topic: to, messages });
        },
      });
      // It has no group-join event to wait for: a moment for the assignment, as the platformatic relay gets none either.
      await new Promise((r) => setTimeout(r, 3000));
      return async () => {
        await consumer.disconnect();
        await producer.disconnect();
      };
    },
  };
}

/** Reads a topic with kafkajs for both clients, so each relay is judged by the same watcher. */
async function watch(topic: string, expected: number) {
  const kafka = new Kafka({ clientId: 'bench-clients-watch', brokers, logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `bench-clients-watch-${randomUUID()}`, maxWaitTimeInMs: 5 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const latencies: number[] = [];
  let lastArrival = 0;
  const arrived = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const { at } = JSON.parse(m.value!.toString('utf8').replace(/x+$/, '')) as { at: number };
          latencies.push(now - at);
        }
        lastArrival = now;
        if (latencies.length >= expected) resolve();
      },
    });
  });
  return {
    async done() {
      await arrived;
      await consumer.disconnect();
      return { lastArrival, p99Ms: percentile(sortNum(latencies), 99) };
    },
  };
}

/** Offers `count` messages at `rate` per second, in 10 ms ticks, with kafkajs. */
async function offer(topic: string, rate: number, count: number) {
  const producer = new Kafka({
    clientId: 'bench-clients-offer',
    brokers,
    logLevel: logLevel.ERROR,
  }).producer();
  await producer.connect();
  const started = Date.now();
  for (let sent = 0; sent < count;) {
    const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate));
    if (due > sent) {
      const messages = Array.from({ length: due - sent }, (_, k) => ({
        key: keyOf(sent + k),
        value: valueAt(sent + k),
      }));
      sent = due;
      await producer.send({ topic, acks: -1, messages });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await producer.disconnect();
}

async function measure(client: Client, admin: ReturnType<Kafka['admin']>): Promise<ClientFigures> {
  const run = randomUUID().slice(0, 8);
  const topics = ['in', 'drained', 'paced-in', 'paced-out'].map((t) => `bench.kafka-clients.${run}.${t}`);
  const [input, drained, pacedIn, pacedOut] = topics;
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
  });
  try {
    let t = performance.now();
    const batchTimes = await client.produce(input);
    const produce = {
      perSecond: Math.round(total / ((performance.now() - t) / 1000)),
      p99BatchMs: Math.round(percentile(sortNum(batchTimes), 99)),
    };
    t = performance.now();
    await client.consume(input);
    const consume = { perSecond: Math.round(total / ((performance.now() - t) / 1000)) };

    const drainWatch = await watch(drained, total);
    const relayStarted = Date.now();
    let stop = await client.relay(input, drained, true);
    const { lastArrival } = await drainWatch.done();
    await stop();

    const paced = relayRate * PACED_SECONDS;
    const pacedWatch = await watch(pacedOut, paced);
    stop = await client.relay(pacedIn, pacedOut, false);
    await new Promise((r) => setTimeout(r, 1000));
    await offer(pacedIn, relayRate, paced);
    const { p99Ms } = await pacedWatch.done();
    await stop();

    const relay = { perSecond: Math.round(total / ((lastArrival - relayStarted) / 1000)), p99Ms };
    console.log(
      `${client.name.padEnd(26)} produce ${String(produce.perSecond).padStart(6)}/s (p99 batch ${produce.p99BatchMs} ms)  ` +
        `consume ${String(consume.perSecond).padStart(6)}/s  relay ${String(relay.perSecond).padStart(6)}/s ` +
        `(p99 ${relay.p99Ms} ms at ${relayRate}/s)`,
    );
    return { produce, consume, relay };
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  }
}

async function main() {
  const admin = new Kafka({ clientId: 'bench-clients-admin', brokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    console.log(
      `kafka clients on Node ${process.version}: ${total} messages of 400 bytes, ${PARTITIONS} partitions, batches of ${BATCH}, acks=all`,
    );
    const baseline = await measure(kafkajsClient(), admin);
    const platformatic = await measure(platformaticClient(), admin);
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    const ratios = (other: ClientFigures) => ({
      produce: ratio(other.produce.perSecond, baseline.produce.perSecond),
      consume: ratio(other.consume.perSecond, baseline.consume.perSecond),
      relay: ratio(other.relay.perSecond, baseline.relay.perSecond),
    });
    const loaded = await loadConfluent();
    let confluent: object;
    if ('kafkaJs' in loaded) {
      const figures = await measure(confluentClient(loaded.kafkaJs, loaded.version), admin);
      confluent = { installed: true, version: loaded.version, ...figures, ratio: ratios(figures) };
    } else {
      console.log(`@confluentinc/kafka-javascript skipped: ${loaded.reason}`);
      confluent = { installed: false, reason: loaded.reason };
    }
    console.log(
      `RESULT ${JSON.stringify({
        bench: 'kafka-clients',
        node: process.version,
        messages: total,
        kafkajs: baseline,
        platformatic,
        ratio: ratios(platformatic),
        confluent,
      })}`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
