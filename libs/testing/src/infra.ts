import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
// A relative path: jest's globalSetup loads this file without the @app/* module mapping.
import { kafkaSecurityFromEnv } from '../../platform/src/config';

export const REPO_ROOT = resolve(__dirname, '../../..');
const STARTED_MARKER = join(REPO_ROOT, '.cache', 'kafka-started-by-tests');

export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
}

/** The database the harness creates test databases from; its own name is never written to. */
export function adminDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function postgresAnswers(): Promise<boolean> {
  const client = new Client({ connectionString: adminDatabaseUrl(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function kafkaAnswers(brokers = kafkaBrokers()): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'test-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
    ...kafkaSecurityFromEnv(),
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Makes the real database and the real broker available: uses DATABASE_URL / KAFKA_BROKERS when
 * given, otherwise starts the local PostgreSQL and the project's own Kafka launcher, and records
 * what it started so that teardown stops only that.
 */
export async function ensureInfrastructure(): Promise<void> {
  if (!(await postgresAnswers())) {
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL is set but PostgreSQL does not answer there`);
    execFileSync('bash', ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'], {
      stdio: 'inherit',
    });
    if (!(await postgresAnswers()))
      throw new Error('PostgreSQL did not answer on 127.0.0.1:5432 after starting it');
  }
  if (!(await kafkaAnswers())) {
    if (process.env.KAFKA_BROKERS) throw new Error(`KAFKA_BROKERS is set but no broker answers there`);
    execFileSync('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'start'], { stdio: 'inherit' });
    mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
    writeFileSync(STARTED_MARKER, String(Date.now()));
  } else if (!process.env.KAFKA_BROKERS) {
    // A broker that was already running (npm start) may predate topics added since: create them.
    execFileSync('node', [join(REPO_ROOT, 'deploy/local/kafka-admin.js'), 'create-topics'], {
      stdio: 'inherit',
    });
  }
}

export function stopWhatTestsStarted(): void {
  if (!existsSync(STARTED_MARKER)) return;
  execFileSync('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'stop'], { stdio: 'inherit' });
  rmSync(STARTED_MARKER, { force: true });
}
