import { MigrationInterface, QueryRunner } from 'typeorm';
import { ident, runSql, sql, table } from '@app/messaging';

/**
 * S-02: customer ids are generated, so a retried POST /v1/customers is recognised by the caller's
 * MS-RequestId instead: one customer per (creating partner, request id).
 */
export function customerRequestIdsMigration(schema: string): new () => MigrationInterface {
  const customers = table(schema, 'customers');
  return class CustomerRequestIds1764300000000 implements MigrationInterface {
    name = 'CustomerRequestIds1764300000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(q, sql`ALTER TABLE ${customers} ADD COLUMN request_id text`);
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX customers_created_by_request ON ${customers} (created_by_partner_id, request_id)
            WHERE request_id IS NOT NULL`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`DROP INDEX ${ident(schema, 'customers_created_by_request')}`);
      await runSql(q, sql`ALTER TABLE ${customers} DROP COLUMN request_id`);
    }
  };
}
