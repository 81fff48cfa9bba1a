import { MigrationInterface, QueryRunner } from 'typeorm';
import { runSql, sql, table } from '@app/messaging';

/**
 * The enhanced attestation (E-01..E-08): the attestations a partner opens for a customer's signatory, the
 * evidence record of each acceptance (E-03), and where a partner attestation came from (T-08, E-04), in `schema`.
 */
export function enhancedAttestationsMigration(schema: string): new () => MigrationInterface {
  const enhanced = table(schema, 'enhanced_attestations');
  const evidence = table(schema, 'enhanced_attestation_evidence');
  const attestations = table(schema, 'attestations');
  const templates = table(schema, 'templates');
  return class EnhancedAttestations1764500000000 implements MigrationInterface {
    name = 'EnhancedAttestations1764500000000';

    async up(q: QueryRunner): Promise<void> {
      // token_hash: SHA-256 (hex) of the link's secret; the secret itself is never stored apart from the URL
      // that travels in EnhancedAttestationStarted (the partner's to share, E-06).
      await runSql(
        q,
        sql`
        CREATE TABLE ${enhanced} (
          id uuid PRIMARY KEY,
          partner_id uuid NOT NULL,
          customer_tenant_id uuid NOT NULL,
          user_id uuid NOT NULL,
          template_id uuid NOT NULL REFERENCES ${templates} (template_id),
          country text NOT NULL,
          language text NOT NULL,
          company_name text NOT NULL,
          signatory_first_name text NOT NULL,
          signatory_last_name text NOT NULL,
          signatory_email text NOT NULL,
          signatory_phone_number text,
          token_hash text NOT NULL UNIQUE,
          acceptance_url text NOT NULL,
          auto_finalize boolean NOT NULL,
          status text NOT NULL CHECK (status IN ('Pending', 'Accepted', 'Finalized', 'Expired', 'Cancelled')),
          expires_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          accepted_at timestamptz,
          finalized_at timestamptz,
          cancelled_at timestamptz,
          expired_at timestamptz,
          partner_attestation_id uuid
        )`,
      );
      await runSql(
        q,
        sql`CREATE INDEX enhanced_attestations_partner_customer
              ON ${enhanced} (partner_id, customer_tenant_id, created_at DESC)`,
      );
      // The expiry sweep reads pending rows by expiry.
      await runSql(
        q,
        sql`CREATE INDEX enhanced_attestations_pending_expiry ON ${enhanced} (expires_at) WHERE status = 'Pending'`,
      );
      // E-03: one evidence record per attestation; `record` is the canonical JSON that `evidence_hash` seals.
      await runSql(
        q,
        sql`
        CREATE TABLE ${evidence} (
          attestation_id uuid PRIMARY KEY REFERENCES ${enhanced} (id),
          accepted_at timestamptz NOT NULL,
          client_address text NOT NULL,
          user_agent text NOT NULL,
          template_id uuid NOT NULL,
          agreement_link text NOT NULL,
          language text NOT NULL,
          country text NOT NULL,
          typed_first_name text NOT NULL,
          typed_last_name text NOT NULL,
          typed_email text NOT NULL,
          shown_text_hash text NOT NULL,
          record text NOT NULL,
          evidence_hash text NOT NULL
        )`,
      );
      await runSql(
        q,
        sql`ALTER TABLE ${attestations}
              ADD COLUMN attestation_source text NOT NULL DEFAULT 'Legacy',
              ADD COLUMN enhanced_attestation_id uuid`,
      );
      // E-04: an enhanced attestation makes at most one partner attestation (finalizing twice answers it again).
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX attestations_enhanced_once ON ${attestations} (enhanced_attestation_id)
              WHERE enhanced_attestation_id IS NOT NULL`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`DROP INDEX ${table(schema, 'attestations_enhanced_once')}`);
      await runSql(
        q,
        sql`ALTER TABLE ${attestations} DROP COLUMN enhanced_attestation_id, DROP COLUMN attestation_source`,
      );
      await runSql(q, sql`DROP TABLE ${evidence}`);
      await runSql(q, sql`DROP TABLE ${enhanced}`);
    }
  };
}
