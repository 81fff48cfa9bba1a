import { MigrationInterface, QueryRunner } from 'typeorm';
import { runSql, sql, table } from '@app/messaging';

/**
 * S-01: the copy of customers keeps the first cloud the relationship facts gave a tenant, which needs
 * the time of that fact. Rows copied before have none: minus infinity keeps their cloud.
 */
export function firstKnownCloudMigration(schema: string): new () => MigrationInterface {
  const customers = table(schema, 'customers');
  return class FirstKnownCloud1764320000000 implements MigrationInterface {
    name = 'FirstKnownCloud1764320000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(
        q,
        sql`ALTER TABLE ${customers} ADD COLUMN known_at timestamptz NOT NULL DEFAULT '-infinity'`,
      );
      await runSql(q, sql`ALTER TABLE ${customers} ALTER COLUMN known_at DROP DEFAULT`);
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`ALTER TABLE ${customers} DROP COLUMN known_at`);
    }
  };
}
