import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * S-01: the copy of customers keeps the first cloud the relationship facts gave a tenant, which needs
 * the time of that fact. Rows copied before have none: minus infinity keeps their cloud.
 */
export class FirstKnownCloud1764320000000 implements MigrationInterface {
  name = 'FirstKnownCloud1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE attestation.customers ADD COLUMN known_at timestamptz NOT NULL DEFAULT '-infinity'`,
    );
    await q.query(`ALTER TABLE attestation.customers ALTER COLUMN known_at DROP DEFAULT`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attestation.customers DROP COLUMN known_at`);
  }
}
