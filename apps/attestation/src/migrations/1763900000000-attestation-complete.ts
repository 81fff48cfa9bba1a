import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 3: the relationship facts consumed from `partners.relationships`, the
 * idempotency records, supersession and withdrawal of attestations, and the
 * catalog's uniqueness per (type, versionRank).
 */
export class AttestationComplete1763900000000 implements MigrationInterface {
  name = 'AttestationComplete1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE attestation.partners (
        partner_id uuid PRIMARY KEY,
        partner_type text NOT NULL,
        cloud text NOT NULL,
        name text NOT NULL,
        registered_event_id uuid NOT NULL
      )`);
    await q.query(`
      CREATE TABLE attestation.customers (
        customer_tenant_id uuid PRIMARY KEY,
        cloud text NOT NULL,
        country text NOT NULL
      )`);
    // as_of is the event time of the last fact applied, so a late older fact never undoes a newer one.
    await q.query(`
      CREATE TABLE attestation.relationships (
        partner_id uuid NOT NULL,
        customer_tenant_id uuid NOT NULL,
        active boolean NOT NULL,
        as_of timestamptz NOT NULL,
        PRIMARY KEY (partner_id, customer_tenant_id)
      )`);
    await q.query(`
      CREATE TABLE attestation.requests (
        partner_id uuid NOT NULL,
        request_id text NOT NULL,
        fingerprint text NOT NULL,
        status int,
        body text,
        event_ids text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_id, request_id)
      )`);
    await q.query(`ALTER TABLE attestation.attestations
        ADD COLUMN superseded_at timestamptz,
        ADD COLUMN superseded_by uuid,
        ADD COLUMN withdrawn_at timestamptz,
        ADD COLUMN withdrawal_reason text,
        ADD COLUMN withdrawn_by uuid,
        ADD COLUMN withdrawal_event_id uuid`);
    // at most one current attestation per partner, customer and agreement type.
    await q.query(`
      CREATE UNIQUE INDEX attestations_one_current ON attestation.attestations (partner_id, customer_tenant_id, agreement_type)
        WHERE superseded_at IS NULL AND withdrawn_at IS NULL`);
    // per customer of a partner, its last attestation.
    await q.query(`
      CREATE INDEX attestations_partner_customer ON attestation.attestations (partner_id, customer_tenant_id, created_at DESC)`);
    await q.query(`DROP INDEX attestation.attestations_pair`);
    await q.query(
      `CREATE UNIQUE INDEX templates_type_rank ON attestation.templates (agreement_type, version_rank)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX attestation.templates_type_rank`);
    await q.query(
      `CREATE INDEX attestations_pair ON attestation.attestations (partner_id, customer_tenant_id, agreement_type, created_at DESC)`,
    );
    await q.query(`DROP INDEX attestation.attestations_partner_customer`);
    await q.query(`DROP INDEX attestation.attestations_one_current`);
    await q.query(`ALTER TABLE attestation.attestations
        DROP COLUMN superseded_at, DROP COLUMN superseded_by, DROP COLUMN withdrawn_at,
        DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by, DROP COLUMN withdrawal_event_id`);
    await q.query(`DROP TABLE attestation.requests`);
    await q.query(`DROP TABLE attestation.relationships`);
    await q.query(`DROP TABLE attestation.customers`);
    await q.query(`DROP TABLE attestation.partners`);
  }
}
