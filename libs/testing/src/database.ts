import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { adminDatabaseUrl } from './infra';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Refuses destructive setup against a database whose name does not say it is for tests. */
export function assertTestDatabaseName(name: string): void {
  if (!/(^|_)test(_|$)/.test(name)) throw new Error(`refusing destructive test setup on database "${name}"`);
}

/** A fresh, empty database for one test file; each service creates its schema in it by migration. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_test_${randomBytes(4).toString('hex')}`;
  assertTestDatabaseName(name);
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(adminDatabaseUrl(), name),
    async drop() {
      assertTestDatabaseName(name);
      const c = new Client({ connectionString: adminDatabaseUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
