import { MigrationInterface, QueryRunner } from 'typeorm';
import { runSql, sql, table } from '@app/messaging';

/**
 * The relationship facts consumed from `partners.relationships`, the idempotency
 * records, supersession and withdrawal of attestations, and the catalog's
 * uniqueness per (type, versionRank), in `schema`.
 */
export function attestationCompleteMigration(schema: string): new () => MigrationInterface {
  const attestations = table(schema, 'attestations');
  const templates = table(schema, 'templates');
  const partners = table(schema, 'partners');
  const customers = table(schema, 'customers');
  const relationships = table(schema, 'relationships');
  const requests = table(schema, 'requests');
  return class AttestationComplete1763900000000 implements MigrationInterface {
    name = 'AttestationComplete1763900000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(
        q,
        sql`
        CREATE TABLE ${partners} (
          partner_id uuid PRIMARY KEY,
          partner_type text NOT NULL,
          cloud text NOT NULL,
          name text NOT NULL,
          registered_event_id uuid NOT NULL
        )`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${customers} (
          customer_tenant_id uuid PRIMARY KEY,
          cloud text NOT NULL,
          country text NOT NULL
        )`,
      );
      // as_of is the event time of the last fact applied, so a late older fact never undoes a newer one.
      await runSql(
        q,
        sql`
        CREATE TABLE ${relationships} (
          partner_id uuid NOT NULL,
          customer_tenant_id uuid NOT NULL,
          active boolean NOT NULL,
          as_of timestamptz NOT NULL,
          PRIMARY KEY (partner_id, customer_tenant_id)
        )`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${requests} (
          partner_id uuid NOT NULL,
          request_id text NOT NULL,
          fingerprint text NOT NULL,
          status int,
          body text,
          event_ids text[] NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (partner_id, request_id)
        )`,
      );
      await runSql(
        q,
        sql`ALTER TABLE ${attestations}
          ADD COLUMN superseded_at timestamptz,
          ADD COLUMN superseded_by uuid,
          ADD COLUMN withdrawn_at timestamptz,
          ADD COLUMN withdrawal_reason text,
          ADD COLUMN withdrawn_by uuid,
          ADD COLUMN withdrawal_event_id uuid`,
      );
      // at most one current attestation per partner, customer and agreement type.
      await runSql(
        q,
        sql`
        CREATE UNIQUE INDEX attestations_one_current ON ${attestations} (partner_id, customer_tenant_id, agreement_type)
          WHERE superseded_at IS NULL AND withdrawn_at IS NULL`,
      );
      // per customer of a partner, its last attestation.
      await runSql(
        q,
        sql`
        CREATE INDEX attestations_partner_customer ON ${attestations} (partner_id, customer_tenant_id, created_at DESC)`,
      );
      await runSql(q, sql`DROP INDEX ${table(schema, 'attestations_pair')}`);
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX templates_type_rank ON ${templates} (agreement_type, version_rank)`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`DROP INDEX ${table(schema, 'templates_type_rank')}`);
      await runSql(
        q,
        sql`CREATE INDEX attestations_pair ON ${attestations} (partner_id, customer_tenant_id, agreement_type, created_at DESC)`,
      );
      await runSql(q, sql`DROP INDEX ${table(schema, 'attestations_partner_customer')}`);
      await runSql(q, sql`DROP INDEX ${table(schema, 'attestations_one_current')}`);
      await runSql(
        q,
        sql`ALTER TABLE ${attestations}
          DROP COLUMN superseded_at, DROP COLUMN superseded_by, DROP COLUMN withdrawn_at,
          DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by, DROP COLUMN withdrawal_event_id`,
      );
      await runSql(q, sql`DROP TABLE ${requests}`);
      await runSql(q, sql`DROP TABLE ${relationships}`);
      await runSql(q, sql`DROP TABLE ${customers}`);
      await runSql(q, sql`DROP TABLE ${partners}`);
    }
  };
}
