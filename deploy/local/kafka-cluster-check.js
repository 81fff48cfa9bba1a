#!/usr/bin/env node
/*
 * A hand-run check of the local 3-broker cluster (bash deploy/local/kafka.sh cluster start first):
 *
 *   node deploy/local/kafka-cluster-check.js [--node 2]
 *
 * 1. every topic of deploy/kafka/topics.json has 3 replicas, all in sync, and min.insync.replicas=2;
 * 2. produces 200 messages with acks=all and reads them back in a new consumer group;
 * 3. SIGKILLs one node (kafka.sh cluster kill N), produces 200 more with acks=all (the partitions it led
 *    move to the other two; two in-sync replicas are still enough for a write) and reads them back;
 * 4. starts the node again (kafka.sh cluster start-node N: back in every ISR) and checks the replicas.
 * Exit 0 when all of it holds. The cluster is left running; KAFKA_CLUSTER_PORT_BASE as for kafka.sh.
 */
'use strict';

const path = require('path');
const { execFileSync } = require('child_process');
const { randomUUID } = require('crypto');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const { Kafka, logLevel, ConfigResourceTypes } = require(require.resolve('kafkajs', { paths: [REPO_ROOT] }));
const topicsFile = require(path.join(REPO_ROOT, 'deploy', 'kafka', 'topics.json'));

const base = Number(process.env.KAFKA_CLUSTER_PORT_BASE || 19092);
const brokers = [0, 1, 2].map((n) => `127.0.0.1:${base + n}`);
const victim = Number(process.argv[process.argv.indexOf('--node') + 1] || 0) || 2;
const TOPIC = 'commerce.orders.requested';

const kafka = new Kafka({
  clientId: 'kafka-cluster-check',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 15 }, // as the services (libs/messaging/src/kafka.ts)
});

function step(text) {
  process.stdout.write(`cluster-check: ${text}\n`);
}

function check(ok, text) {
  if (!ok) throw new Error(text);
  step(`ok: ${text}`);
}

function launcher(...args) {
  execFileSync('bash', [path.join(REPO_ROOT, 'deploy', 'local', 'kafka.sh'), 'cluster', ...args], {
    stdio: 'inherit',
  });
}

async function checkReplication(admin, wantInSync) {
  const names = topicsFile.topics.map((t) => t.name);
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  const partitions = topics.flatMap((t) => t.partitions);
  check(
    partitions.every((p) => p.replicas.length === 3),
    `${topics.length} topics, ${partitions.length} partitions, each with 3 replicas`,
  );
  const minIsr = Math.min(...partitions.map((p) => p.isr.length));
  check(
    minIsr >= wantInSync,
    `every partition has at least ${wantInSync} in-sync replicas (fewest: ${minIsr})`,
  );
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['min.insync.replicas'],
    })),
  });
  const values = resources.map((r) => r.configEntries.find((c) => c.configName === 'min.insync.replicas'));
  check(
    values.every((v) => v && v.configValue === '2'),
    'every topic has min.insync.replicas=2',
  );
}

/** Produces `count` messages with acks=all, then reads exactly those back in a new group. */
async function roundTrip(label, count) {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const run = randomUUID();
  const started = Date.now();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `${run}-${i % 12}`,
    value: `${run}:${i}`,
  }));
  for (let i = 0; i < messages.length; i += 50) {
    await producer.send({ topic: TOPIC, acks: -1, messages: messages.slice(i, i + 50) });
  }
  await producer.disconnect();
  check(true, `${label}: ${count} messages acknowledged by acks=all in ${Date.now() - started} ms`);

  const consumer = kafka.consumer({ groupId: `kafka-cluster-check-${run}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label}: read ${seen.size} of ${count} within 60 s`)),
      60000,
    );
    consumer
      .run({
        eachMessage: async ({ message }) => {
          const value = message.value.toString();
          if (value.startsWith(`${run}:`)) seen.add(value);
          if (seen.size === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  check(seen.size === count, `${label}: all ${count} read back in a new consumer group`);
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await checkReplication(admin, 3);
    await roundTrip('all three nodes up', 200);
    step(`killing node ${victim}`);
    launcher('kill', String(victim));
    await roundTrip(`node ${victim} down`, 200);
    step(`starting node ${victim} again`);
    launcher('start-node', String(victim));
    await checkReplication(admin, 3);
    await roundTrip(`node ${victim} back`, 200);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  step('all checks passed');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`cluster-check: FAILED: ${(err && err.stack) || err}\n`);
    process.exit(1);
  },
);
