import { quoteIdent } from '@app/messaging';

/** The two real templates, known before any AgreementTemplatePublished arrives. */
export const SEED_TEMPLATES = [
  [
    '117a77b0-9360-443b-8795-c6dedc750cf9',
    'MicrosoftCustomerAgreement',
    1,
    'https://aka.ms/customeragreement',
    '2019-10-01T00:00:00Z',
  ],
  [
    '998b88de-aa99-4388-a42c-1b3517d49490',
    'MicrosoftCloudAgreement',
    1,
    'https://aka.ms/cloudagreement',
    '2018-08-07T00:00:00Z',
  ],
] as const;

/**
 * The projection's tables in a schema: the live `order_gate` (by migration) or a scratch one (rebuild).
 * `acceptances` (the foundation's table, partner attestations) gains its withdrawal columns here.
 */
export function projectionTablesUp(schema: string, withAcceptances = false): string[] {
  const s = quoteIdent(schema);
  const seed = SEED_TEMPLATES.map(
    ([id, type, rank, link, at]) => `('${id}', '${type}', ${rank}, '${link}', '${at}')`,
  ).join(', ');
  return [
    ...(withAcceptances
      ? [
          `CREATE TABLE ${s}.acceptances (
             partner_id uuid NOT NULL, customer_tenant_id uuid NOT NULL, agreement_type text NOT NULL,
             source text NOT NULL, template_id uuid NOT NULL, date_agreed timestamptz NOT NULL, event_id uuid NOT NULL,
             recorded_at timestamptz NOT NULL DEFAULT now(),
             PRIMARY KEY (partner_id, customer_tenant_id, agreement_type))`,
        ]
      : []),
    `ALTER TABLE ${s}.acceptances ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawal_event_id uuid`,
    `CREATE INDEX acceptances_customer ON ${s}.acceptances (customer_tenant_id)`,
    `CREATE TABLE ${s}.direct_acceptances (
       customer_tenant_id uuid NOT NULL,
       agreement_type text NOT NULL,
       template_id uuid NOT NULL,
       date_agreed timestamptz NOT NULL,
       event_id uuid NOT NULL,
       PRIMARY KEY (customer_tenant_id, agreement_type))`,
    `CREATE TABLE ${s}.customers (
       customer_tenant_id uuid PRIMARY KEY,
       cloud text NOT NULL,
       country text NOT NULL)`,
    `CREATE TABLE ${s}.partners (
       partner_id uuid PRIMARY KEY,
       partner_type text NOT NULL,
       cloud text NOT NULL)`,
    `CREATE TABLE ${s}.relationships (
       partner_id uuid NOT NULL,
       customer_tenant_id uuid NOT NULL,
       active boolean NOT NULL,
       changed_at timestamptz NOT NULL,
       event_id uuid NOT NULL,
       PRIMARY KEY (partner_id, customer_tenant_id))`,
    `CREATE INDEX relationships_customer ON ${s}.relationships (customer_tenant_id)`,
    `CREATE TABLE ${s}.reseller_links (
       provider_partner_id uuid NOT NULL,
       reseller_partner_id uuid NOT NULL,
       linked_at timestamptz NOT NULL,
       PRIMARY KEY (provider_partner_id, reseller_partner_id))`,
    `CREATE TABLE ${s}.templates (
       template_id uuid PRIMARY KEY,
       agreement_type text NOT NULL,
       version_rank int NOT NULL,
       agreement_link text NOT NULL,
       published_at timestamptz NOT NULL)`,
    `INSERT INTO ${s}.templates (template_id, agreement_type, version_rank, agreement_link, published_at) VALUES ${seed}`,
  ];
}

export function projectionTablesDown(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    ...['templates', 'reseller_links', 'relationships', 'partners', 'customers', 'direct_acceptances'].map(
      (t) => `DROP TABLE ${s}.${t}`,
    ),
    `DROP INDEX ${s}.acceptances_customer`,
    `ALTER TABLE ${s}.acceptances DROP COLUMN withdrawn_at, DROP COLUMN withdrawal_event_id`,
  ];
}

/** Every projection table and the columns that define its content (what the rebuild compares). */
export const PROJECTION_CONTENT: Record<string, string[]> = {
  acceptances: [
    'partner_id',
    'customer_tenant_id',
    'agreement_type',
    'source',
    'template_id',
    'date_agreed',
    'event_id',
    'withdrawn_at',
    'withdrawal_event_id',
  ],
  direct_acceptances: ['customer_tenant_id', 'agreement_type', 'template_id', 'date_agreed', 'event_id'],
  customers: ['customer_tenant_id', 'cloud', 'country'],
  partners: ['partner_id', 'partner_type', 'cloud'],
  relationships: ['partner_id', 'customer_tenant_id', 'active', 'changed_at', 'event_id'],
  reseller_links: ['provider_partner_id', 'reseller_partner_id', 'linked_at'],
  templates: ['template_id', 'agreement_type', 'version_rank', 'agreement_link', 'published_at'],
};
