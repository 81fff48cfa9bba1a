import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { OutboxRelay } from '@app/messaging';
import { createTestDatabase, TestDatabase } from './database';
import type { GivenRunningServiceOptions } from './given-running-service';
import { adminDatabaseUrl } from './infra';
import { connectedProducer, RecordedMessage, testKafka, TopicRecorder } from './kafka';
import { RunningService, startService, uniqueGroupPrefix } from './service';

export interface GivenRunningInstancesOptions extends GivenRunningServiceOptions {
  /** How many instances start before the first test, all at once (default 2). */
  instances?: number;
}

/**
 * N instances of one service on the same database and the same consumer groups, as a scaled-out deployment
 * runs them, with a producer, a recorder and a `pg` client as `givenRunningService` gives one instance.
 * An instance can crash (`crash`), stop gracefully (`stop`), start again or a new one join (`start`).
 */
export interface InstancesUnderTest {
  readonly db: TestDatabase;
  readonly producer: Producer;
  readonly recorder: TopicRecorder;
  readonly pg: Client;
  readonly groupPrefix: string;
  /** Instance `i` (0-based); throws when it is not running. */
  instance(i: number): RunningService;
  /** The indexes of the instances running now. */
  running(): number[];
  /** Starts instance `i` again, or (no `i`) a new one; returns its index. */
  start(i?: number): Promise<number>;
  /** A graceful stop: consumers leave their groups, the relay drains the outbox. */
  stop(i: number): Promise<void>;
  /**
   * As near to a crash as one process allows: the instance's database sessions are killed (what they had not
   * committed is rolled back) and its pool refuses new ones, its relay neither drains nor deletes what it
   * sent, and its HTTP server stops answering. Its consumers then leave their groups without applying or
   * committing anything more (a process killed for real would be noticed only after the session timeout).
   */
  crash(i: number): Promise<void>;
  /** Messages recorded on `topic` of one event type for which `match` holds on their `data`. */
  recorded(topic: string, eventType: string, match?: (data: any) => boolean): RecordedMessage[];
}

interface PgPool {
  connect: (...args: any[]) => any;
  _clients?: Array<{ processID?: number }>;
}

export function givenRunningInstances(options: GivenRunningInstancesOptions): InstancesUnderTest {
  const label = options.label ?? options.service;
  const groupPrefix = uniqueGroupPrefix(label);
  const instances: Array<RunningService | undefined> = [];
  const closing: Promise<unknown>[] = [];
  let db: TestDatabase | undefined;
  let producer: Producer | undefined;
  let recorder: TopicRecorder | undefined;
  let pg: Client | undefined;

  const startOne = () =>
    startService(options.service, options.module, {
      databaseUrl: started(db, 'db').url,
      groupPrefix,
      env: options.env,
      brokers: options.brokers,
    });

  beforeAll(async () => {
    const kafka = testKafka(`${label}-test`);
    db = await createTestDatabase(label.replace(/-/g, '_'));
    const count = options.instances ?? 2;
    instances.push(...(await Promise.all(Array.from({ length: count }, startOne))));
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    producer = await connectedProducer(kafka);
    if (options.record?.length) recorder = await new TopicRecorder(kafka, [...options.record]).start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await producer?.disconnect();
    await pg?.end();
    await Promise.allSettled(instances.map((s) => s?.close()));
    await Promise.allSettled(closing);
    await db?.drop();
  }, 120000);

  const instance = (i: number): RunningService => {
    const s = instances[i];
    if (!s) throw new Error(`instance ${i} of ${options.service} is not running`);
    return s;
  };

  return {
    get db() {
      return started(db, 'db');
    },
    get producer() {
      return started(producer, 'producer');
    },
    get recorder() {
      return started(recorder, 'recorder');
    },
    get pg() {
      return started(pg, 'pg');
    },
    groupPrefix,
    instance,
    running: () => instances.flatMap((s, i) => (s ? [i] : [])),
    async start(i = instances.length) {
      if (instances[i]) throw new Error(`instance ${i} of ${options.service} is running`);
      instances[i] = await startOne();
      return i;
    },
    async stop(i) {
      const s = instance(i);
      instances[i] = undefined;
      await s.close();
    },
    async crash(i) {
      const s = instance(i);
      instances[i] = undefined;
      await crashInstance(s);
      // What is left of it (loops that now only fail) is shut in the background, as a dead process leaves.
      closing.push(s.close().catch(() => undefined));
    },
    recorded: (topic, eventType, match = () => true) =>
      started(recorder, 'recorder')
        .on(topic)
        .filter((m) => m.json?.eventType === eventType && match(m.json.data)),
  };
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is read before beforeAll started the instances`);
  return value;
}

async function crashInstance(s: RunningService): Promise<void> {
  const relay = s.app.get(OutboxRelay);
  // A dead process neither drains the outbox nor deletes what it has sent: those rows stay, leased.
  Object.assign(relay, { drain: async () => 0, deleteSent: async () => undefined, sentToDelete: [] });
  const pool = (s.app.get(DataSource).driver as unknown as { master: PgPool }).master;
  const refused = () => new Error('the instance crashed');
  pool.connect = (callback?: (err: Error) => void) => {
    if (!callback) return Promise.reject(refused());
    process.nextTick(() => callback(refused()));
    return undefined;
  };
  const pids = (pool._clients ?? []).map((c) => c.processID).filter((p): p is number => !!p);
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  } finally {
    await admin.end();
  }
  const server = s.app.getHttpServer() as { closeAllConnections?: () => void; close: () => void };
  server.close();
  server.closeAllConnections?.();
}
