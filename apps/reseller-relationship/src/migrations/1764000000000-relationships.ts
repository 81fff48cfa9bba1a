import { MigrationInterface, QueryRunner } from 'typeorm';
import { runSql, sql, table } from '@app/messaging';

/** Partners, customer tenants, relationships, invitations and customers' direct acceptances (issue 4). */
export function relationshipsMigration(schema: string): new () => MigrationInterface {
  const partners = table(schema, 'partners');
  const indirectResellerLinks = table(schema, 'indirect_reseller_links');
  const customers = table(schema, 'customers');
  const relationships = table(schema, 'relationships');
  const agreementTemplates = table(schema, 'agreement_templates');
  const customerAcceptances = table(schema, 'customer_acceptances');
  const invitations = table(schema, 'invitations');

  return class Relationships1764000000000 implements MigrationInterface {
    name = 'Relationships1764000000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(
        q,
        sql`
        CREATE TABLE ${partners} (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          partner_type text NOT NULL CHECK (partner_type IN ('DirectBill', 'IndirectProvider', 'IndirectReseller')),
          cloud text NOT NULL,
          registered_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${indirectResellerLinks} (
          provider_partner_id uuid NOT NULL REFERENCES ${partners} (id),
          reseller_partner_id uuid NOT NULL REFERENCES ${partners} (id),
          linked_at timestamptz NOT NULL,
          PRIMARY KEY (provider_partner_id, reseller_partner_id)
        )`,
      );
      // company_name and primary_contact are null for a tenant we learned of when it accepted an invitation.
      await runSql(
        q,
        sql`
        CREATE TABLE ${customers} (
          id uuid PRIMARY KEY,
          company_name text,
          primary_contact jsonb,
          cloud text NOT NULL,
          country char(2) NOT NULL,
          created_by_partner_id uuid,
          created_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${relationships} (
          partner_id uuid NOT NULL,
          customer_tenant_id uuid NOT NULL REFERENCES ${customers} (id),
          status text NOT NULL CHECK (status IN ('Active', 'Terminated')),
          origin text NOT NULL CHECK (origin IN ('CustomerCreated', 'InvitationAccepted')),
          invitation_id uuid,
          established_at timestamptz NOT NULL,
          terminated_at timestamptz,
          termination_reason text,
          PRIMARY KEY (partner_id, customer_tenant_id)
        )`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${agreementTemplates} (
          template_id uuid PRIMARY KEY,
          agreement_type text NOT NULL,
          version_rank int NOT NULL,
          published_at timestamptz NOT NULL
        )`,
      );
      // The real ids (DOMAIN A-04); newer ones arrive as AgreementTemplatePublished on agreements.templates.
      await runSql(
        q,
        sql`
        INSERT INTO ${agreementTemplates} (template_id, agreement_type, version_rank, published_at)
        VALUES
          ('117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', 1, '2019-10-01T00:00:00Z'),
          ('998b88de-aa99-4388-a42c-1b3517d49490', 'MicrosoftCloudAgreement', 1, '2018-08-07T00:00:00Z')`,
      );
      await runSql(
        q,
        sql`
        CREATE TABLE ${customerAcceptances} (
          id uuid PRIMARY KEY,
          customer_tenant_id uuid NOT NULL REFERENCES ${customers} (id),
          agreement_type text NOT NULL,
          template_id uuid NOT NULL REFERENCES ${agreementTemplates} (template_id),
          date_agreed timestamptz NOT NULL,
          signer jsonb NOT NULL,
          via_partner_id uuid,
          event_id uuid NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
      await runSql(
        q,
        sql`CREATE INDEX customer_acceptances_customer ON ${customerAcceptances} (customer_tenant_id)`,
      );
      // Single use: the row records the one customer that accepted; the token itself is never stored.
      await runSql(
        q,
        sql`
        CREATE TABLE ${invitations} (
          id uuid PRIMARY KEY,
          partner_id uuid NOT NULL,
          expires_at timestamptz NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          accepted_by_customer_tenant_id uuid REFERENCES ${customers} (id),
          accepted_at timestamptz,
          customer_acceptance_id uuid REFERENCES ${customerAcceptances} (id)
        )`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      for (const dropped of [
        invitations,
        customerAcceptances,
        agreementTemplates,
        relationships,
        customers,
        indirectResellerLinks,
        partners,
      ]) {
        await runSql(q, sql`DROP TABLE ${dropped}`);
      }
    }
  };
}
