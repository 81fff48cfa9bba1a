import { randomBytes, randomUUID } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ALL_TOPICS, DLQ_TOPICS, Topics } from '@app/contracts';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { ORDER_GATE_SCHEMA } from '../../apps/order-gate/src/config';
import { diffProjections, rebuildInto } from '../../apps/order-gate/src/rebuild/rebuild-projection';
import {
  acknowledgedFactsKept,
  auditHoldsEverything,
  figures,
  InvariantResult,
  noFalseBlock,
  noOrderUndecided,
  oneOutcomePerOrder,
  TopicMessage,
} from './invariants';
import { readJournal, RunInfo } from './journal';

/**
 * The invariant checker of `npm run chaos` (also `npm run chaos:check -- --run-dir DIR`): reads the run's topics
 * from the beginning, its databases and the audit's API, checks the six invariants of issue #14 and writes
 * report.json and report.txt into the run directory.
 */
export interface ChaosReport {
  runId: string;
  ok: boolean;
  invariants: InvariantResult[];
  figures: ReturnType<typeof figures> & { relayDuplicates: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readTopics(brokers: string[], topics: readonly string[]): Promise<TopicMessage[]> {
  const kafka = new Kafka({ clientId: 'chaos-check', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic))
      if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
  await admin.disconnect();
  const out: TopicMessage[] = [];
  if (ends.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `chaos-check-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await new Promise<void>((done, fail) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const end = ends.get(key);
          for (const m of batch.messages) {
            if (end === undefined || BigInt(m.offset) >= end) break;
            let envelope: TopicMessage['envelope'];
            try {
              envelope = JSON.parse(m.value?.toString() ?? 'null');
            } catch {
              envelope = null;
            }
            out.push({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              timestamp: Number(m.timestamp),
              envelope,
            });
            if (BigInt(m.offset) + 1n >= end) ends.delete(key);
          }
          if (ends.size === 0) done();
        },
      })
      .catch(fail);
  });
  await consumer.disconnect();
  return out;
}

/** The audit's rows, by topic:partition:offset, once it holds as many as the topics (or after two minutes). */
async function auditRows(
  databaseUrl: string,
  expected: number,
): Promise<{ rows: Map<string, number>; eventIds: Set<string> }> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined); // a dropped connection fails the query in flight, which is what counts
  await client.connect();
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await client.query<{
        topic: string;
        partition: number;
        offset: string;
        event_id: string | null;
      }>('SELECT topic, partition, "offset"::text AS offset, event_id::text AS event_id FROM audit.events');
      if (rows.length >= expected || Date.now() > deadline) {
        const counts = new Map<string, number>();
        for (const r of rows)
          counts.set(
            `${r.topic}:${r.partition}:${r.offset}`,
            (counts.get(`${r.topic}:${r.partition}:${r.offset}`) ?? 0) + 1,
          );
        return {
          rows: counts,
          eventIds: new Set(rows.map((r) => r.event_id).filter((id): id is string => !!id)),
        };
      }
      await sleep(1000);
    }
  } finally {
    await client.end();
  }
}

async function auditVerify(
  info: RunInfo,
): Promise<{ ok: boolean; checkpoint: unknown; firstBrokenSequence?: number | null }> {
  const secret = readFileSync(info.jwtSecretFile, 'utf8').trim();
  const token = await signHs256Token(secret, {
    tid: info.operatorTenantId,
    oid: randomUUID(),
    roles: ['Auditor'],
  });
  const audits = Object.values(info.services).filter((s) => s.service === 'audit');
  for (const audit of audits) {
    try {
      const res = await fetch(`http://127.0.0.1:${audit.port}/v1/audit/verify`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(120_000),
      });
      if (res.ok)
        return (await res.json()) as { ok: boolean; checkpoint: unknown; firstBrokenSequence?: number };
    } catch {
      /* the other instance */
    }
  }
  return { ok: false, checkpoint: null, firstBrokenSequence: null };
}

async function rebuildMatches(info: RunInfo): Promise<InvariantResult> {
  const dataSource = await new DataSource({ type: 'postgres', url: info.databaseUrl }).initialize();
  const schema = `order_gate_rebuild_${randomBytes(4).toString('hex')}`;
  try {
    const kafka = new Kafka({ clientId: 'chaos-rebuild', brokers: info.brokers, logLevel: logLevel.NOTHING });
    const applied = await rebuildInto(dataSource, kafka, schema);
    const diff = await diffProjections(dataSource, ORDER_GATE_SCHEMA, schema);
    return {
      name: '6. npm run gate:rebuild yields a projection identical to the live one',
      ok: diff.length === 0,
      details: diff.slice(0, 10),
      counts: { factMessages: applied, differences: diff.length },
    };
  } finally {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  }
}

export async function checkChaosRun(runDir: string): Promise<ChaosReport> {
  const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  const journal = readJournal(join(runDir, 'journal.ndjson'));
  const messages = await readTopics(info.brokers, [...ALL_TOPICS, ...DLQ_TOPICS]);
  const on = (topic: string) => messages.filter((m) => m.topic === topic);
  const requested = on(Topics.OrdersRequested).filter((m) => m.envelope?.eventType === 'OrderRequested');
  const decided = on(Topics.OrdersDecided);
  const audit = await auditRows(info.databaseUrl, messages.length);
  const verify = await auditVerify(info);
  const invariants = [
    oneOutcomePerOrder(requested, decided),
    noOrderUndecided(requested, decided),
    noFalseBlock(journal, decided),
    acknowledgedFactsKept(journal, on(Topics.AgreementsAcceptance), audit.eventIds),
    auditHoldsEverything(messages, audit.rows, verify),
    await rebuildMatches(info),
  ];
  const seen = new Map<string, number>();
  for (const m of messages)
    if (m.envelope?.eventId && !m.topic.endsWith('.dlq'))
      seen.set(m.envelope.eventId, (seen.get(m.envelope.eventId) ?? 0) + 1);
  const relayDuplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  const report: ChaosReport = {
    runId: info.runId,
    ok: invariants.every((i) => i.ok),
    invariants,
    figures: { ...figures(journal, decided), relayDuplicates },
  };
  writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));
  const text = summary(report, info);
  writeFileSync(join(runDir, 'report.txt'), text);
  console.log(text);
  return report;
}

function summary(report: ChaosReport, info: RunInfo): string {
  const f = report.figures;
  const lines = [
    `chaos run ${report.runId} (${info.settings.profile}: ${info.settings.seconds} s at ${info.settings.rate}/s): ${report.ok ? 'ALL INVARIANTS HOLD' : 'INVARIANT BROKEN'}`,
    ...report.invariants.flatMap((i) => [
      `  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}  ${JSON.stringify(i.counts)}`,
      ...i.details.map((d) => `         ${d}`),
    ]),
    `  orders ${f.orders}, decision events ${f.decisions}, duplicates delivered to the commerce platform ${f.duplicatesDeliveredToCommercePlatform}, facts re-sent by a relay ${f.relayDuplicates}`,
    `  faults: ${JSON.stringify(f.faultsByKind)}`,
    `  requested→decided outside faults: p50 ${f.latencyOutsideFaults.p50Ms} ms, p99 ${f.latencyOutsideFaults.p99Ms} ms, max ${f.latencyOutsideFaults.maxMs} ms (${f.latencyOutsideFaults.count} orders)`,
    `  requested→decided during faults:  p50 ${f.latencyDuringFaults.p50Ms} ms, p99 ${f.latencyDuringFaults.p99Ms} ms, max ${f.latencyDuringFaults.maxMs} ms (${f.latencyDuringFaults.count} orders)`,
    ...Object.entries(f.recovery).map(
      ([kind, r]) =>
        `  recovery after ${kind}: healthy ${r.healthyAfterMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; first decision ${r.firstDecisionAfterMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    ),
    `  report: ${resolve('.cache/chaos', report.runId)}/report.json`,
  ];
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const i = process.argv.indexOf('--run-dir');
  const runDir = resolve(i > 0 ? process.argv[i + 1] : '.cache/chaos/latest');
  checkChaosRun(runDir).then(
    (r) => process.exit(r.ok ? 0 : 1),
    (err) => {
      console.error(`chaos check failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(2);
    },
  );
}
