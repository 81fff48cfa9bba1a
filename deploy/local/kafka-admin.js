#!/usr/bin/env node
/*
 * Small admin helper for the local Kafka broker (used by deploy/local/kafka.sh and by the
 * docker-compose `kafka-init` one-shot container).
 *
 *   node deploy/local/kafka-admin.js wait [--timeout-ms 60000] [--pid 1234] [--brokers host:port,...]
 *       Polls admin.describeCluster() every 250 ms until the broker answers (exit 0) or the timeout
 *       passes (exit 1). With --pid, gives up at once (exit 2) when that process is gone.
 *   node deploy/local/kafka-admin.js create-topics [--topics-file f.json] [--replication-factor N [--min-insync M]] [--brokers host:port,...]
 *       Creates every topic of deploy/kafka/topics.json that does not exist yet, then checks that each
 *       one exists with the expected partition count, and sets the "config" of topics.json on topics
 *       whose config differs (a broker that already has them: S-06's retention of fact topics).
 *       Idempotent.
 *   node deploy/local/kafka-admin.js wait-replicated [--timeout-ms 60000] [--brokers host:port,...]
 *       Waits until every partition of every topic has all its replicas in sync (a restarted broker
 *       has caught up); exit 1 with the lagging partitions after the timeout.
 *   node deploy/local/kafka-admin.js create-acls [--group-prefix acceptance-gate] [--brokers ...]
 *       On a secured broker (StandardAuthorizer): the ACLs of libs/contracts/src/topic-access.json, one
 *       principal per service (S-04). Each writes only the topics it is a writer of, plus the .dlq
 *       topics of what it consumes; reads only what its consumers read; and uses only the consumer
 *       groups <group-prefix>.<principal>.*. ACLs of those principals that the file no longer implies
 *       are deleted. Needs a super user's login.
 *   node deploy/local/kafka-admin.js list-topics [--replicas yes] [--brokers host:port,...]
 *       name<TAB>partitions per line; with --replicas, also the replication factor and the fewest
 *       in-sync replicas of any of the topic's partitions.
 *
 * Brokers: --brokers, else KAFKA_BROKERS, else 127.0.0.1:9092. Login: KAFKA_SSL, KAFKA_SSL_CA_FILE and
 * KAFKA_SASL_* (kafka-security.js), as for the services.
 * Plain CommonJS on purpose: it runs before (and without) the TypeScript build.
 */
'use strict';

const path = require('path');
const fs = require('fs');

const { readKafkaSecurity } = require('./kafka-security');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_TOPICS_FILE = path.join(REPO_ROOT, 'deploy', 'kafka', 'topics.json');
const TOPIC_ACCESS_FILE = path.join(REPO_ROOT, 'libs', 'contracts', 'src', 'topic-access.json');

function loadKafkajs() {
  try {
    return require(require.resolve('kafkajs', { paths: [REPO_ROOT] }));
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      process.stderr.write(
        `kafka-admin: the 'kafkajs' package is not installed (looked in ${path.join(REPO_ROOT, 'node_modules')}).\n` +
          `Run 'npm install' (or 'npm ci') in ${REPO_ROOT} first.\n`,
      );
      process.exit(3);
    }
    throw err;
  }
}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) fail(`unexpected argument '${arg}'`);
    const value = m[2] !== undefined ? m[2] : rest[++i];
    if (value === undefined) fail(`option --${m[1]} needs a value`);
    opts[m[1]] = value;
  }
  return { command, opts };
}

function fail(message, code = 1) {
  process.stderr.write(`kafka-admin: ${message}\n`);
  process.exit(code);
}

function brokersFrom(opts) {
  const raw = opts.brokers || process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  const brokers = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (brokers.length === 0) fail('no brokers given');
  return brokers;
}

function positiveInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

function securityFromEnv() {
  const { security, problems } = readKafkaSecurity(process.env);
  if (problems.length > 0) fail(problems.map((p) => `${p.variable} ${p.expected}`).join('; '), 78);
  return security;
}

function makeKafka(brokers, { quick } = {}) {
  const { Kafka, logLevel } = loadKafkajs();
  return new Kafka({
    ...securityFromEnv(),
    clientId: 'acceptance-gate-kafka-admin',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: quick ? 1000 : 3000,
    requestTimeout: quick ? 2000 : 30000,
    retry: quick ? { retries: 0 } : { retries: 8, initialRetryTime: 250, maxRetryTime: 2000 },
  });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function cmdWait(opts) {
  const brokers = brokersFrom(opts);
  const timeoutMs = opts['timeout-ms'] ? positiveInt(opts['timeout-ms'], 'timeout-ms') : 60000;
  const pid = opts.pid ? positiveInt(opts.pid, 'pid') : undefined;
  const deadline = Date.now() + timeoutMs;
  const kafka = makeKafka(brokers, { quick: true });
  let lastError = 'no attempt made';
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      await admin.disconnect().catch(() => {});
      process.stdout.write(
        `kafka-admin: broker answers on ${brokers.join(',')} (cluster ${cluster.clusterId}, ` +
          `${cluster.brokers.length} broker(s), controller ${cluster.controller})\n`,
      );
      return 0;
    } catch (err) {
      lastError = (err && err.message) || String(err);
      await admin.disconnect().catch(() => {});
    }
    if (pid !== undefined && !processAlive(pid)) {
      process.stderr.write(`kafka-admin: process ${pid} exited before the broker answered\n`);
      return 2;
    }
    if (Date.now() + 250 > deadline) {
      process.stderr.write(
        `kafka-admin: no answer from ${brokers.join(',')} within ${timeoutMs} ms (last error: ${lastError})\n`,
      );
      return 1;
    }
    await sleep(250);
  }
}

function readTopics(file) {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read topic definitions from ${file}: ${err.message}`);
  }
  if (!parsed || !Array.isArray(parsed.topics) || parsed.topics.length === 0) {
    fail(`${file} must look like { "topics": [ { "name": "...", "partitions": 6 } ] }`);
  }
  const seen = new Set();
  return parsed.topics.map((t, i) => {
    if (!t || typeof t.name !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(t.name)) {
      fail(`${file}: topics[${i}] has no valid "name"`);
    }
    if (seen.has(t.name)) fail(`${file}: topic ${t.name} is defined twice`);
    seen.add(t.name);
    if (!Number.isInteger(t.partitions) || t.partitions <= 0) {
      fail(`${file}: topic ${t.name} needs a positive integer "partitions"`);
    }
    const replicationFactor = t.replicationFactor === undefined ? 1 : t.replicationFactor;
    if (!Number.isInteger(replicationFactor) || replicationFactor <= 0) {
      fail(`${file}: topic ${t.name} has an invalid "replicationFactor"`);
    }
    const configEntries = Object.entries(t.config || {}).map(([name, value]) => ({
      name,
      value: String(value),
    }));
    return { name: t.name, partitions: t.partitions, replicationFactor, configEntries };
  });
}

/** What differs between the broker's topics and the wanted ones (metadata errors count as "not yet"). */
async function topicProblems(admin, wanted) {
  let byName;
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.name) });
    byName = new Map(metadata.topics.map((t) => [t.name, t]));
  } catch (err) {
    return [`metadata: ${(err && err.message) || err}`];
  }
  const problems = [];
  for (const t of wanted) {
    const found = byName.get(t.name);
    if (!found) {
      problems.push(`${t.name}: missing after creation`);
    } else if (found.partitions.length !== t.partitions) {
      problems.push(
        `${t.name}: has ${found.partitions.length} partition(s), expected ${t.partitions} ` +
          `(delete the topic, or wipe the broker's data directory, to recreate it)`,
      );
    } else if (found.partitions.some((p) => p.leader === undefined || p.leader < 0)) {
      problems.push(`${t.name}: some partitions have no leader`);
    } else if (found.partitions.some((p) => p.replicas.length !== t.replicationFactor)) {
      problems.push(
        `${t.name}: has ${found.partitions[0].replicas.length} replica(s) per partition, expected ` +
          `${t.replicationFactor} (delete the topic, or wipe the broker's data directory, to recreate it)`,
      );
    }
  }
  return problems;
}

async function cmdCreateTopics(opts) {
  const brokers = brokersFrom(opts);
  const file = path.resolve(opts['topics-file'] || DEFAULT_TOPICS_FILE);
  // --replication-factor N (the local 3-broker cluster): every topic at N replicas, with min.insync.replicas
  // (--min-insync, default N - 1) so a write acknowledged with acks=all survives the loss of a broker.
  const rf =
    opts['replication-factor'] === undefined
      ? undefined
      : positiveInt(opts['replication-factor'], 'replication-factor');
  const minInsync =
    opts['min-insync'] === undefined
      ? rf === undefined
        ? undefined
        : Math.max(1, rf - 1)
      : positiveInt(opts['min-insync'], 'min-insync');
  const wanted = readTopics(file).map((t) =>
    rf === undefined
      ? t
      : {
          ...t,
          replicationFactor: rf,
          configEntries: [
            ...t.configEntries.filter((e) => e.name !== 'min.insync.replicas'),
            { name: 'min.insync.replicas', value: String(minInsync) },
          ],
        },
  );
  const admin = makeKafka(brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          timeout: 30000,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configEntries: t.configEntries,
          })),
        });
      } catch (err) {
        // Another process may have created some of them in between: only real failures matter,
        // and the verification below tells which.
        const onlyExisting =
          err &&
          Array.isArray(err.errors) &&
          err.errors.length > 0 &&
          err.errors.every((e) => e && e.type === 'TOPIC_ALREADY_EXISTS');
        // On a multi-broker cluster, waiting for the new topics' leaders can ask a broker that has not
        // learnt of them yet (UNKNOWN_TOPIC_OR_PARTITION, retriable): the check below waits for them.
        if (!onlyExisting && !(err && err.retriable)) throw err;
      }
    }

    const checkDeadline = Date.now() + 30000;
    let problems = await topicProblems(admin, wanted);
    while (problems.length > 0 && Date.now() < checkDeadline) {
      await sleep(500);
      problems = await topicProblems(admin, wanted);
    }
    if (problems.length > 0) {
      process.stderr.write(`kafka-admin: topic check failed:\n  ${problems.join('\n  ')}\n`);
      return 1;
    }
    // "Ready" includes consumer groups: on a fresh broker the group coordinator (__consumer_offsets)
    // comes up after the broker answers, and clients' first group calls fail until it does.
    const coordinatorDeadline = Date.now() + 60000;
    for (;;) {
      try {
        await admin.fetchOffsets({ groupId: 'kafka-sh-readiness-probe', topics: [wanted[0].name] });
        break;
      } catch (err) {
        if (Date.now() > coordinatorDeadline) {
          process.stderr.write(`kafka-admin: the group coordinator did not come up: ${err && err.message}\n`);
          return 1;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    const aligned = await alignTopicConfigs(admin, wanted);

    const created = missing.map((t) => t.name);
    process.stdout.write(
      `kafka-admin: ${wanted.length} topic(s) present with the expected partitions` +
        (created.length > 0 ? `; created ${created.length}: ${created.join(', ')}` : '; none created') +
        (aligned.length > 0 ? `; config set on ${aligned.join(', ')}` : '') +
        '\n',
    );
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Sets the "config" of topics.json on every topic whose config on the broker differs: topics created
 * before a setting was added (the fact topics' unlimited retention, S-06) get it at the next start.
 * AlterConfigs replaces the topic's overrides with exactly the listed ones. Returns the topics changed.
 */
async function alignTopicConfigs(admin, wanted) {
  const { ConfigResourceTypes } = loadKafkajs();
  const withConfig = wanted.filter((t) => t.configEntries.length > 0);
  if (withConfig.length === 0) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: withConfig.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.name,
      configNames: t.configEntries.map((e) => e.name),
    })),
  });
  const stale = withConfig.filter((t) => {
    const found = resources.find((r) => r.resourceName === t.name);
    const actual = new Map((found ? found.configEntries : []).map((c) => [c.configName, c.configValue]));
    return t.configEntries.some((e) => actual.get(e.name) !== e.value);
  });
  if (stale.length === 0) return [];
  await admin.alterConfigs({
    validateOnly: false,
    resources: stale.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.name,
      configEntries: t.configEntries,
    })),
  });
  return stale.map((t) => t.name);
}

function readTopicAccess(file) {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read topic access from ${file}: ${err.message}`);
  }
  if (!parsed || typeof parsed.writers !== 'object' || typeof parsed.consumers !== 'object') {
    fail(
      `${file} must look like { "writers": { topic: [principal] }, "consumers": { principal: { name: [topic] } } }`,
    );
  }
  return parsed;
}

/** The ACLs topic-access.json implies, as kafkajs AclEntry objects. */
function aclsFor(access, groupPrefix) {
  const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = loadKafkajs();
  const grants = new Map(); // principal -> Set of "type|pattern|name|operation"
  const grant = (principal, resourceType, patternType, name, operation) => {
    if (!grants.has(principal)) grants.set(principal, new Set());
    grants.get(principal).add([resourceType, patternType, name, operation].join('|'));
  };
  for (const [topic, writers] of Object.entries(access.writers)) {
    for (const principal of writers)
      grant(principal, AclResourceTypes.TOPIC, ResourcePatternTypes.LITERAL, topic, AclOperationTypes.WRITE);
  }
  for (const [principal, consumers] of Object.entries(access.consumers)) {
    grant(
      principal,
      AclResourceTypes.GROUP,
      ResourcePatternTypes.PREFIXED,
      `${groupPrefix}.${principal}.`,
      AclOperationTypes.READ,
    );
    for (const topics of Object.values(consumers)) {
      for (const topic of topics) {
        grant(principal, AclResourceTypes.TOPIC, ResourcePatternTypes.LITERAL, topic, AclOperationTypes.READ);
        // What a consumer cannot accept goes to <topic>.dlq; a .dlq topic has no dead-letter topic of its own.
        if (!topic.endsWith('.dlq'))
          grant(
            principal,
            AclResourceTypes.TOPIC,
            ResourcePatternTypes.LITERAL,
            `${topic}.dlq`,
            AclOperationTypes.WRITE,
          );
      }
    }
  }
  const acl = [];
  for (const [principal, keys] of grants) {
    for (const key of keys) {
      const [resourceType, resourcePatternType, resourceName, operation] = key.split('|');
      acl.push({
        principal: `User:${principal}`,
        host: '*',
        resourceType: Number(resourceType),
        resourcePatternType: Number(resourcePatternType),
        resourceName,
        operation: Number(operation),
        permissionType: AclPermissionTypes.ALLOW,
      });
    }
  }
  return acl;
}

const aclKey = (a) =>
  [
    a.principal,
    a.host,
    a.resourceType,
    a.resourcePatternType,
    a.resourceName,
    a.operation,
    a.permissionType,
  ].join('|');

async function cmdCreateAcls(opts) {
  const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = loadKafkajs();
  const access = readTopicAccess(path.resolve(opts['access-file'] || TOPIC_ACCESS_FILE));
  const groupPrefix = opts['group-prefix'] || process.env.KAFKA_GROUP_PREFIX || 'acceptance-gate';
  const wanted = aclsFor(access, groupPrefix);
  const principals = new Set(wanted.map((a) => a.principal));
  const admin = makeKafka(brokersFrom(opts)).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: wanted });
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const wantedKeys = new Set(wanted.map(aclKey));
    const extra = [];
    for (const resource of resources) {
      for (const a of resource.acls) {
        const entry = { ...a, ...resource, acls: undefined };
        if (principals.has(a.principal) && !wantedKeys.has(aclKey(entry))) extra.push(entry);
      }
    }
    if (extra.length > 0) {
      await admin.deleteAcls({
        filters: extra.map((e) => ({
          resourceType: e.resourceType,
          resourceName: e.resourceName,
          resourcePatternType: e.resourcePatternType,
          principal: e.principal,
          host: e.host,
          operation: e.operation,
          permissionType: e.permissionType,
        })),
      });
    }
    process.stdout.write(
      `kafka-admin: ${wanted.length} ACL(s) for ${principals.size} principal(s), groups ${groupPrefix}.<principal>.*` +
        (extra.length > 0 ? `; ${extra.length} stale ACL(s) deleted` : '') +
        '\n',
    );
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function cmdListTopics(opts) {
  const admin = makeKafka(brokersFrom(opts)).admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).sort();
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const byName = new Map(topics.map((t) => [t.name, t]));
    for (const name of names) {
      const { partitions } = byName.get(name);
      const replicas = opts.replicas
        ? `\treplicas ${Math.max(...partitions.map((p) => p.replicas.length))}` +
          `\tin-sync >= ${Math.min(...partitions.map((p) => p.isr.length))}`
        : '';
      process.stdout.write(`${name}\t${partitions.length}${replicas}\n`);
    }
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Every partition's in-sync replicas are all its replicas: a restarted broker has caught up. */
async function cmdWaitReplicated(opts) {
  const timeoutMs = opts['timeout-ms'] ? positiveInt(opts['timeout-ms'], 'timeout-ms') : 60000;
  const deadline = Date.now() + timeoutMs;
  const admin = makeKafka(brokersFrom(opts)).admin();
  await admin.connect();
  try {
    let lagging = [];
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: await admin.listTopics() });
        lagging = topics.flatMap((t) =>
          t.partitions
            .filter((p) => p.isr.length < p.replicas.length)
            .map((p) => `${t.name}-${p.partitionId}`),
        );
        if (lagging.length === 0) {
          process.stdout.write(
            `kafka-admin: every partition of ${topics.length} topic(s) is fully in sync\n`,
          );
          return 0;
        }
      } catch (err) {
        lagging = [`(no metadata: ${(err && err.message) || err})`];
      }
      if (Date.now() > deadline) {
        process.stderr.write(
          `kafka-admin: ${lagging.length} partition(s) still under-replicated after ${timeoutMs} ms: ` +
            `${lagging.slice(0, 10).join(', ')}\n`,
        );
        return 1;
      }
      await sleep(500);
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const USAGE = `usage: kafka-admin.js <wait|create-topics|wait-replicated|create-acls|list-topics> [options]
  wait           [--timeout-ms N] [--pid P] [--brokers host:port,...]
  create-topics  [--topics-file deploy/kafka/topics.json] [--brokers host:port,...]
  create-acls    [--group-prefix acceptance-gate] [--access-file libs/contracts/src/topic-access.json] [--brokers ...]
  wait-replicated [--timeout-ms N] [--brokers host:port,...]
  list-topics    [--replicas yes] [--brokers host:port,...]
`;

async function main() {
  const { command, opts } = parseArgs(process.argv.slice(2));
  switch (command) {
    case 'wait':
      return cmdWait(opts);
    case 'create-topics':
      return cmdCreateTopics(opts);
    case 'wait-replicated':
      return cmdWaitReplicated(opts);
    case 'create-acls':
      return cmdCreateAcls(opts);
    case 'list-topics':
      return cmdListTopics(opts);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 64 : 0;
    default:
      process.stderr.write(`kafka-admin: unknown command '${command}'\n${USAGE}`);
      return 64;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`kafka-admin: ${(err && err.stack) || err}\n`);
    process.exit(1);
  },
);
