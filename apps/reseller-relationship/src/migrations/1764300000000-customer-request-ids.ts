import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * S-02: customer ids are generated, so a retried POST /v1/customers is recognised by the caller's
 * MS-RequestId instead: one customer per (creating partner, request id).
 */
export class CustomerRequestIds1764300000000 implements MigrationInterface {
  name = 'CustomerRequestIds1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reseller_relationship.customers ADD COLUMN request_id text`);
    await q.query(
      `CREATE UNIQUE INDEX customers_created_by_request ON reseller_relationship.customers (created_by_partner_id, request_id)
       WHERE request_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reseller_relationship.customers_created_by_request`);
    await q.query(`ALTER TABLE reseller_relationship.customers DROP COLUMN request_id`);
  }
}
