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

/**
 * S-05: what each row needs to keep the latest fact (`fact-order.ts`). Rows projected before carry no
 * attestation id and get the nearest safe times: an attestation the time the gate recorded it (no
 * earlier than the fact), a direct acceptance the migration's time (a replay of an older one is then
 * refused; a new one is later anyway), a customer minus infinity (its cloud stands, S-01).
 * A withdrawal can arrive before the attestation it names only out of order, and must still hold
 * then: its row has no attestation yet, hence the nullable attestation columns.
 */
export function factOrderingUp(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `ALTER TABLE ${s}.acceptances
       ADD COLUMN attestation_id uuid, ADD COLUMN attested_at timestamptz, ADD COLUMN withdrawn_attestation_id uuid,
       ALTER COLUMN source DROP NOT NULL, ALTER COLUMN template_id DROP NOT NULL,
       ALTER COLUMN date_agreed DROP NOT NULL, ALTER COLUMN event_id DROP NOT NULL`,
    `UPDATE ${s}.acceptances SET attested_at = recorded_at`,
    `ALTER TABLE ${s}.direct_acceptances ADD COLUMN accepted_at timestamptz NOT NULL DEFAULT now()`,
    `ALTER TABLE ${s}.direct_acceptances ALTER COLUMN accepted_at DROP DEFAULT`,
    `ALTER TABLE ${s}.customers ADD COLUMN known_at timestamptz NOT NULL DEFAULT '-infinity'`,
    `ALTER TABLE ${s}.customers ALTER COLUMN known_at DROP DEFAULT`,
  ];
}

export function factOrderingDown(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `ALTER TABLE ${s}.customers DROP COLUMN known_at`,
    `ALTER TABLE ${s}.direct_acceptances DROP COLUMN accepted_at`,
    `DELETE FROM ${s}.acceptances WHERE template_id IS NULL`,
    `UPDATE ${s}.acceptances SET withdrawn_at = NULL, withdrawal_event_id = NULL
      WHERE attestation_id IS DISTINCT FROM withdrawn_attestation_id AND attestation_id IS NOT NULL`,
    `ALTER TABLE ${s}.acceptances
       DROP COLUMN attestation_id, DROP COLUMN attested_at, DROP COLUMN withdrawn_attestation_id,
       ALTER COLUMN source SET NOT NULL, ALTER COLUMN template_id SET NOT NULL,
       ALTER COLUMN date_agreed SET NOT NULL, ALTER COLUMN event_id SET NOT NULL`,
  ];
}

/**
 * G-15, T-08: the pair's latest enhanced attestation, and where each partner attestation came from. Rows
 * projected before carry no source, which the gate reads as legacy (as the events they came from say nothing).
 * A status event changes only the row of the attestation it names, and only forward (`advancesStatus`).
 */
export function enhancedAttestationsUp(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `ALTER TABLE ${s}.acceptances ADD COLUMN attestation_source text, ADD COLUMN enhanced_attestation_id uuid`,
    `CREATE TABLE ${s}.enhanced_attestations (
       partner_id uuid NOT NULL,
       customer_tenant_id uuid NOT NULL,
       attestation_id uuid NOT NULL,
       started_at timestamptz NOT NULL,
       status text NOT NULL,
       acceptance_url text NOT NULL,
       expires_at timestamptz NOT NULL,
       event_id uuid NOT NULL,
       PRIMARY KEY (partner_id, customer_tenant_id))`,
    `CREATE INDEX enhanced_attestations_customer ON ${s}.enhanced_attestations (customer_tenant_id)`,
  ];
}

export function enhancedAttestationsDown(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `DROP TABLE ${s}.enhanced_attestations`,
    `ALTER TABLE ${s}.acceptances DROP COLUMN attestation_source, DROP COLUMN enhanced_attestation_id`,
  ];
}

/** Every statement that makes the projection's tables in a fresh schema (the rebuild, the SQL specs). */
export function allProjectionTablesUp(schema: string): string[] {
  return [...projectionTablesUp(schema, true), ...factOrderingUp(schema), ...enhancedAttestationsUp(schema)];
}

/**
 * A partner attestation's withdrawal, as the gate judges it (`effectiveWithdrawal` in evolve.ts): the
 * row's last withdrawal counts only when it names the row's attestation. A row projected before S-05
 * has no attestation id, and its withdrawal counts as it always did.
 */
export function withdrawalHolds(alias: string): string {
  return `(${alias}.attestation_id IS NULL OR ${alias}.withdrawn_attestation_id = ${alias}.attestation_id)`;
}

/**
 * Every projection table and what defines its content (what the rebuild compares): what the gate
 * judges on. Not the ordering bookkeeping (attestation ids, attested_at, accepted_at, known_at),
 * which rows projected before S-05 carry only approximately; an acceptance's withdrawal as it holds.
 */
export const PROJECTION_CONTENT: Record<string, string[]> = {
  acceptances: [
    'partner_id',
    'customer_tenant_id',
    'agreement_type',
    'source',
    'template_id',
    'date_agreed',
    'event_id',
    `CASE WHEN ${withdrawalHolds('acceptances')} THEN withdrawn_at END AS withdrawn_at`,
    `CASE WHEN ${withdrawalHolds('acceptances')} THEN withdrawal_event_id END AS withdrawal_event_id`,
    'attestation_source',
    'enhanced_attestation_id',
  ],
  enhanced_attestations: [
    'partner_id',
    'customer_tenant_id',
    'attestation_id',
    'status',
    'acceptance_url',
    'expires_at',
    'event_id',
  ],
  direct_acceptances: ['customer_tenant_id', 'agreement_type', 'template_id', 'date_agreed', 'event_id'],
  customers: ['customer_tenant_id', 'cloud', 'country'],
  partners: ['partner_id', 'partner_type', 'cloud'],
  relationships: ['partner_id', 'customer_tenant_id', 'active', 'changed_at', 'event_id'],
  reseller_links: ['provider_partner_id', 'reseller_partner_id', 'linked_at'],
  templates: ['template_id', 'agreement_type', 'version_rank', 'agreement_link', 'published_at'],
};
