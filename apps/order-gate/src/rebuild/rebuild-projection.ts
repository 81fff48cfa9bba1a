/*
 * npm run gate:rebuild — rebuilds the order gate's projection from the fact topics, from the beginning,
 * into a scratch schema of the same database, and compares it with the live `order_gate` tables: prints
 * "identical" or the rows that differ (exit code 1). The scratch schema is dropped afterwards.
 * Environment: DATABASE_URL, KAFKA_BROKERS and the Kafka security variables (KAFKA_SSL, KAFKA_SASL_*), as for
 * the service; on a secured broker it reads as the order-gate principal, in a group of its own under
 * KAFKA_GROUP_PREFIX.
 */
import { randomBytes, randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KnownEventEnvelope, parseAndValidate } from '@app/contracts';
import { StatementLogger } from '@app/messaging';
import { kafkaSecurityFromEnv } from '@app/platform/config';
import { ORDER_GATE_SCHEMA } from '../config';
import { applyWrites } from '../projection/apply-writes';
import { writesOf } from '../projection/evolve';
import { FACT_TOPICS } from '../projection/facts.consumer';
import { allProjectionTablesUp, PROJECTION_CONTENT } from '../projection/projection-schema';

export async function rebuildInto(
  dataSource: DataSource,
  kafka: Kafka,
  schema: string,
  groupPrefix = 'acceptance-gate',
): Promise<number> {
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of allProjectionTablesUp(schema)) await dataSource.query(sql);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  for (const topic of FACT_TOPICS)
    for (const p of await admin.fetchTopicOffsets(topic))
      if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
  await admin.disconnect();
  // Under the gate's own group prefix: on a secured broker the order-gate principal may use only those groups.
  const consumer = kafka.consumer({
    groupId: `${groupPrefix}.order-gate.rebuild-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...FACT_TOPICS], fromBeginning: true });
  let applied = 0;
  // One partition at a time keeps each customer's facts in order, as the live consumer applies them.
  await new Promise<void>((resolve, reject) => {
    if (ends.size === 0) return resolve();
    consumer
      .run({
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const end = ends.get(key);
          await dataSource.transaction(async (manager) => {
            for (const m of batch.messages) {
              if (end === undefined || BigInt(m.offset) >= end) break;
              const checked = parseAndValidate(m.value, { topic: batch.topic });
              if (checked.ok)
                await applyWrites(manager, schema, writesOf(checked.envelope as KnownEventEnvelope));
              applied++;
              resolveOffset(m.offset);
              if (BigInt(m.offset) + 1n >= end) ends.delete(key);
            }
          });
          await heartbeat();
          if (ends.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return applied;
}

/** Rows in one schema's table and not the other's, both ways, on the columns that carry content. */
export async function diffProjections(
  dataSource: DataSource,
  live: string,
  rebuilt: string,
): Promise<string[]> {
  const out: string[] = [];
  for (const [table, columns] of Object.entries(PROJECTION_CONTENT)) {
    const cols = columns.join(', ');
    for (const [a, b, label] of [
      [live, rebuilt, 'only in live'],
      [rebuilt, live, 'only in rebuilt'],
    ]) {
      const rows: unknown[] = await dataSource.query(
        `SELECT ${cols} FROM "${a}".${table} EXCEPT SELECT ${cols} FROM "${b}".${table} LIMIT 20`,
      );
      for (const row of rows) out.push(`${table} ${label}: ${JSON.stringify(row)}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    logger: new StatementLogger(),
  }).initialize();
  const schema = `order_gate_rebuild_${randomBytes(4).toString('hex')}`;
  try {
    const kafka = new Kafka({
      clientId: 'order-gate-rebuild',
      brokers,
      logLevel: logLevel.ERROR,
      ...kafkaSecurityFromEnv(),
    });
    const applied = await rebuildInto(dataSource, kafka, schema, process.env.KAFKA_GROUP_PREFIX || undefined);
    const diff = await diffProjections(dataSource, ORDER_GATE_SCHEMA, schema);
    console.log(`rebuilt from ${applied} fact message(s) into ${schema}`);
    if (diff.length === 0) console.log('identical');
    else {
      console.log(`${diff.length} difference(s) (first 20 per table and side):`);
      for (const line of diff) console.log(`  ${line}`);
      process.exitCode = 1;
    }
  } finally {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
