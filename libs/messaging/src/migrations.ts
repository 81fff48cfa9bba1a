import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { outboxLeaseDown, outboxLeaseUp, quoteIdent } from './schema';

/**
 * Runs the service's TypeORM migrations under a PostgreSQL advisory lock, so that several
 * instances starting at once do not race; the schema is created first because TypeORM keeps its
 * migrations table inside it.
 */
export async function runMigrationsLocked(dataSource: DataSource, schema: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext($1))`, [`migrations:${schema}`]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`migrations:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * The migration that adds the outbox lease (see outboxLeaseUp) to a service's schema: the same
 * step in every service, each listing it after its own migrations.
 */
export function outboxLeaseMigration(schema: string): new () => MigrationInterface {
  return class OutboxLease1764200000000 implements MigrationInterface {
    name = 'OutboxLease1764200000000';

    async up(q: QueryRunner): Promise<void> {
      for (const sql of outboxLeaseUp(schema)) await q.query(sql);
    }

    async down(q: QueryRunner): Promise<void> {
      for (const sql of outboxLeaseDown(schema)) await q.query(sql);
    }
  };
}
