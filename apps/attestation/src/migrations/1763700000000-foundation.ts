import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp, runSql, sql, table } from '@app/messaging';

/** The template catalog (with the two real templates) and the attestations, in `schema`. */
export function foundationMigration(schema: string): new () => MigrationInterface {
  const templates = table(schema, 'templates');
  const attestations = table(schema, 'attestations');
  return class Foundation1763700000000 implements MigrationInterface {
    name = 'Foundation1763700000000';

    async up(q: QueryRunner): Promise<void> {
      for (const statement of messagingTablesUp(schema)) await q.query(statement);
      await runSql(
        q,
        sql`
        CREATE TABLE ${templates} (
          template_id uuid PRIMARY KEY,
          agreement_type text NOT NULL,
          version_rank int NOT NULL,
          agreement_link text NOT NULL,
          published_at timestamptz NOT NULL,
          retired_from timestamptz
        )`,
      );
      // The two real templates (DOMAIN A-04); the Cloud Agreement is retired for new attestations (T-06).
      await runSql(
        q,
        sql`
        INSERT INTO ${templates} (template_id, agreement_type, version_rank, agreement_link, published_at, retired_from)
        VALUES
          ('117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', 1, 'https://aka.ms/customeragreement',
           '2019-10-01T00:00:00Z', NULL),
          ('998b88de-aa99-4388-a42c-1b3517d49490', 'MicrosoftCloudAgreement', 1, 'https://aka.ms/cloudagreement',
           '2018-08-07T00:00:00Z', '2020-02-01T00:00:00Z')`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${attestations} (
          id uuid PRIMARY KEY,
          partner_id uuid NOT NULL,
          customer_tenant_id uuid NOT NULL,
          agreement_type text NOT NULL,
          template_id uuid NOT NULL REFERENCES ${templates} (template_id),
          date_agreed timestamptz NOT NULL,
          user_id uuid NOT NULL,
          attested_by text,
          primary_contact jsonb NOT NULL,
          channel text NOT NULL,
          event_id uuid NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
      await runSql(
        q,
        sql`CREATE INDEX attestations_pair ON ${attestations} (partner_id, customer_tenant_id, agreement_type, created_at DESC)`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`DROP TABLE ${attestations}`);
      await runSql(q, sql`DROP TABLE ${templates}`);
      for (const statement of messagingTablesDown(schema)) await q.query(statement);
    }
  };
}
