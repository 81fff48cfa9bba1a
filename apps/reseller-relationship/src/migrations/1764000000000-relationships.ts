import { MigrationInterface, QueryRunner } from 'typeorm';

/** Partners, customer tenants, relationships, invitations and customers' direct acceptances (issue 4). */
export class Relationships1764000000000 implements MigrationInterface {
  name = 'Relationships1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reseller_relationship.partners (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        partner_type text NOT NULL CHECK (partner_type IN ('DirectBill', 'IndirectProvider', 'IndirectReseller')),
        cloud text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE reseller_relationship.indirect_reseller_links (
        provider_partner_id uuid NOT NULL REFERENCES reseller_relationship.partners (id),
        reseller_partner_id uuid NOT NULL REFERENCES reseller_relationship.partners (id),
        linked_at timestamptz NOT NULL,
        PRIMARY KEY (provider_partner_id, reseller_partner_id)
      )`);
    // company_name and primary_contact are null for a tenant we learned of when it accepted an invitation.
    await q.query(`
      CREATE TABLE reseller_relationship.customers (
        id uuid PRIMARY KEY,
        company_name text,
        primary_contact jsonb,
        cloud text NOT NULL,
        country char(2) NOT NULL,
        created_by_partner_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE reseller_relationship.relationships (
        partner_id uuid NOT NULL,
        customer_tenant_id uuid NOT NULL REFERENCES reseller_relationship.customers (id),
        status text NOT NULL CHECK (status IN ('Active', 'Terminated')),
        origin text NOT NULL CHECK (origin IN ('CustomerCreated', 'InvitationAccepted')),
        invitation_id uuid,
        established_at timestamptz NOT NULL,
        terminated_at timestamptz,
        termination_reason text,
        PRIMARY KEY (partner_id, customer_tenant_id)
      )`);
    await q.query(`
      CREATE TABLE reseller_relationship.agreement_templates (
        template_id uuid PRIMARY KEY,
        agreement_type text NOT NULL,
        version_rank int NOT NULL,
        published_at timestamptz NOT NULL
      )`);
    // The real ids (DOMAIN A-04); newer ones arrive as AgreementTemplatePublished on agreements.templates.
    await q.query(`
      INSERT INTO reseller_relationship.agreement_templates (template_id, agreement_type, version_rank, published_at)
      VALUES
        ('117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', 1, '2019-10-01T00:00:00Z'),
        ('998b88de-aa99-4388-a42c-1b3517d49490', 'MicrosoftCloudAgreement', 1, '2018-08-07T00:00:00Z')`);
    await q.query(`
      CREATE TABLE reseller_relationship.customer_acceptances (
        id uuid PRIMARY KEY,
        customer_tenant_id uuid NOT NULL REFERENCES reseller_relationship.customers (id),
        agreement_type text NOT NULL,
        template_id uuid NOT NULL REFERENCES reseller_relationship.agreement_templates (template_id),
        date_agreed timestamptz NOT NULL,
        signer jsonb NOT NULL,
        via_partner_id uuid,
        event_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX customer_acceptances_customer ON reseller_relationship.customer_acceptances (customer_tenant_id)`,
    );
    // Single use: the row records the one customer that accepted; the token itself is never stored.
    await q.query(`
      CREATE TABLE reseller_relationship.invitations (
        id uuid PRIMARY KEY,
        partner_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        accepted_by_customer_tenant_id uuid REFERENCES reseller_relationship.customers (id),
        accepted_at timestamptz,
        customer_acceptance_id uuid REFERENCES reseller_relationship.customer_acceptances (id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'invitations',
      'customer_acceptances',
      'agreement_templates',
      'relationships',
      'customers',
      'indirect_reseller_links',
      'partners',
    ]) {
      await q.query(`DROP TABLE reseller_relationship.${table}`);
    }
  }
}
