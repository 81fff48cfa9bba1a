import { DynamicModule } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { ServiceConfig, ServiceName } from '@app/platform';
import { createTestDatabase, TestDatabase } from './database';
import { connectedProducer, RecordedMessage, testKafka, TopicRecorder } from './kafka';
import { RunningService, startService, uniqueGroupPrefix } from './service';

export interface GivenRunningServiceOptions {
  service: ServiceName;
  module: (config: ServiceConfig) => DynamicModule;
  /** Topics whose traffic the test reads (`recorder`, `recorded`); recording starts before the first test. */
  record?: readonly string[];
  /** Extra environment for the service (its config variables). */
  env?: Record<string, string>;
  /** Another broker than the harness's: the secured one of the S-04 test. */
  brokers?: readonly string[];
  /** Names the database and consumer groups, so a leftover is traceable to its file (default: the service). */
  label?: string;
}

/**
 * One running service for the tests of one file, with what those tests use around it: a fresh database, a
 * producer for the facts the service consumes, a recorder of the topics it writes, and a `pg` client on its
 * database. Every accessor throws until `beforeAll` has run, so it is read inside tests and hooks only.
 */
export interface ServiceUnderTest {
  readonly service: RunningService;
  readonly db: TestDatabase;
  /** Sends facts as the commerce platform or another service would (the test's own client id). */
  readonly producer: Producer;
  readonly recorder: TopicRecorder;
  /** A plain `pg` client on the service's database, for the checks an API does not expose. */
  readonly pg: Client;
  http(): ReturnType<RunningService['http']>;
  dataSource(): DataSource;
  /** Messages recorded on `topic` of one event type for which `match` holds on their `data`. */
  recorded(topic: string, eventType: string, match?: (data: any) => boolean): RecordedMessage[];
}

/**
 * Declares, inside a `describe`, the `beforeAll` that starts the service and the `afterAll` that stops it and drops
 * its database. Each capability's spec file calls it once:
 *
 *   const sut = givenRunningService({ service: 'audit', module: (c) => AuditModule.forRoot(c), record: [...] });
 *   it('…', async () => { const res = await sut.http().get('/v1/…'); … });
 */
export function givenRunningService(options: GivenRunningServiceOptions): ServiceUnderTest {
  const label = options.label ?? options.service;
  let service: RunningService | undefined;
  let db: TestDatabase | undefined;
  let producer: Producer | undefined;
  let recorder: TopicRecorder | undefined;
  let pg: Client | undefined;

  beforeAll(async () => {
    const kafka = testKafka(`${label}-test`);
    db = await createTestDatabase(label.replace(/-/g, '_'));
    service = await startService(options.service, options.module, {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix(label),
      env: options.env,
      brokers: options.brokers,
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    producer = await connectedProducer(kafka);
    if (options.record?.length) recorder = await new TopicRecorder(kafka, [...options.record]).start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await producer?.disconnect();
    await pg?.end();
    await service?.close();
    await db?.drop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is read before beforeAll started the service`);
    return value;
  };

  return {
    get service() {
      return started(service, 'service');
    },
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
    http: () => started(service, 'service').http(),
    dataSource: () => started(service, 'service').app.get(DataSource),
    recorded: (topic, eventType, match = () => true) =>
      started(recorder, 'recorder')
        .on(topic)
        .filter((m) => m.json?.eventType === eventType && match(m.json.data)),
  };
}
