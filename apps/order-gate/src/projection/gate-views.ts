import { EntityManager } from 'typeorm';
import {
  AgreementType,
  AttestationSource,
  EnhancedAttestationStatus,
  OrderRequestedV1,
} from '@app/contracts';
import { preparedQuery, quoteIdent } from '@app/messaging';
import { AcceptanceFact, EnhancedAttestationView, GateView, TemplateInfo } from './read-model';
import { withdrawalHolds } from './projection-schema';

const pairKey = (partnerId: string, customerTenantId: string) =>
  `${partnerId.toLowerCase()}|${customerTenantId.toLowerCase()}`;

/** A timestamptz as Date.prototype.toISOString writes it (UTC, milliseconds). */
const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface TemplateRow {
  template_id: string;
  agreement_type: AgreementType;
  version_rank: number;
  agreement_link: string;
  published_at: string;
}

/** What the one views statement returns, timestamps already in ISO form. */
interface ViewRows {
  attested: Array<{
    partner_id: string;
    customer_tenant_id: string;
    agreement_type: AgreementType;
    template_id: string;
    date_agreed: string;
    event_id: string;
    withdrawn_at: string | null;
    attested_at: string | null;
    attestation_source: AttestationSource | null;
    enhanced_attestation_id: string | null;
  }>;
  enhanced: Array<{
    partner_id: string;
    customer_tenant_id: string;
    attestation_id: string;
    status: EnhancedAttestationStatus;
    acceptance_url: string;
    expires_at: string;
  }>;
  direct: Array<{
    customer_tenant_id: string;
    agreement_type: AgreementType;
    template_id: string;
    date_agreed: string;
    event_id: string;
  }>;
  clouds: Array<{ customer_tenant_id: string; cloud: string }>;
  related: Array<{ partner_id: string; customer_tenant_id: string }>;
  links: Array<{ provider_partner_id: string; reseller_partner_id: string }>;
  templates: TemplateRow[];
}

const toTemplate = (r: TemplateRow): TemplateInfo => ({
  templateId: r.template_id,
  agreementType: r.agreement_type,
  versionRank: r.version_rank,
  agreementLink: r.agreement_link,
  publishedAt: r.published_at,
});

/**
 * The views of many orders in one statement: the transacting partners' attestations and latest enhanced
 * attestations (G-15), the
 * customers' direct acceptances and clouds, the relationships of partners and resellers of record, the
 * reseller links (D-07) and the template catalog. Keyed by orderId.
 */
export async function loadViews(
  db: EntityManager,
  schema: string,
  orders: readonly OrderRequestedV1[],
): Promise<Map<string, GateView>> {
  const s = quoteIdent(schema);
  const partners = orders.map((o) => o.partnerId);
  const customers = orders.map((o) => o.customerTenantId);
  const withReseller = orders.filter((o) => o.resellerPartnerId);
  const relPartners = [...partners, ...withReseller.map((o) => o.resellerPartnerId!)];
  const relCustomers = [...customers, ...withReseller.map((o) => o.customerTenantId)];

  // One statement, one round trip: every part of every view as a JSON array. Prepared: its text is
  // fixed, so each connection parses it once.
  const [row] = await preparedQuery<{ views: ViewRows }>(
    db,
    `SELECT json_build_object(
       'attested', (SELECT coalesce(json_agg(json_build_object(
            'partner_id', a.partner_id, 'customer_tenant_id', a.customer_tenant_id,
            'agreement_type', a.agreement_type, 'template_id', a.template_id,
            'date_agreed', ${isoSql('a.date_agreed')}, 'event_id', a.event_id,
            'withdrawn_at', CASE WHEN ${withdrawalHolds('a')} THEN ${isoSql('a.withdrawn_at')} END,
            'attested_at', ${isoSql('a.attested_at')}, 'attestation_source', a.attestation_source,
            'enhanced_attestation_id', a.enhanced_attestation_id)), '[]')
          FROM ${s}.acceptances a
          JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS p(partner_id, customer_tenant_id)) p
            USING (partner_id, customer_tenant_id)
          WHERE a.template_id IS NOT NULL),
       'enhanced', (SELECT coalesce(json_agg(json_build_object(
            'partner_id', e.partner_id, 'customer_tenant_id', e.customer_tenant_id,
            'attestation_id', e.attestation_id, 'status', e.status, 'acceptance_url', e.acceptance_url,
            'expires_at', ${isoSql('e.expires_at')})), '[]')
          FROM ${s}.enhanced_attestations e
          JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS p(partner_id, customer_tenant_id)) p
            USING (partner_id, customer_tenant_id)),
       'direct', (SELECT coalesce(json_agg(json_build_object(
            'customer_tenant_id', d.customer_tenant_id, 'agreement_type', d.agreement_type,
            'template_id', d.template_id, 'date_agreed', ${isoSql('d.date_agreed')}, 'event_id', d.event_id)), '[]')
          FROM ${s}.direct_acceptances d WHERE d.customer_tenant_id = ANY($2::uuid[])),
       'clouds', (SELECT coalesce(json_agg(json_build_object(
            'customer_tenant_id', c.customer_tenant_id, 'cloud', c.cloud)), '[]')
          FROM ${s}.customers c WHERE c.customer_tenant_id = ANY($2::uuid[])),
       'related', (SELECT coalesce(json_agg(json_build_object(
            'partner_id', r.partner_id, 'customer_tenant_id', r.customer_tenant_id)), '[]')
          FROM ${s}.relationships r
          JOIN (SELECT DISTINCT * FROM unnest($3::uuid[], $4::uuid[]) AS p(partner_id, customer_tenant_id)) p
            USING (partner_id, customer_tenant_id)
          WHERE r.active),
       'links', (SELECT coalesce(json_agg(json_build_object(
            'provider_partner_id', l.provider_partner_id, 'reseller_partner_id', l.reseller_partner_id)), '[]')
          FROM ${s}.reseller_links l
          WHERE (l.provider_partner_id, l.reseller_partner_id) IN (SELECT * FROM unnest($5::uuid[], $6::uuid[]))),
       'templates', (SELECT coalesce(json_agg(json_build_object(
            'template_id', t.template_id, 'agreement_type', t.agreement_type, 'version_rank', t.version_rank,
            'agreement_link', t.agreement_link, 'published_at', ${isoSql('t.published_at')})), '[]')
          FROM ${s}.templates t)
       ) AS views`,
    [
      partners,
      customers,
      relPartners,
      relCustomers,
      withReseller.map((o) => o.partnerId),
      withReseller.map((o) => o.resellerPartnerId!),
    ],
  );
  const { attested, direct, clouds, related, links, enhanced } = row.views;
  const catalog = row.views.templates.map(toTemplate);

  const attestedByPair = new Map<string, AcceptanceFact[]>();
  for (const r of attested) {
    const key = pairKey(r.partner_id, r.customer_tenant_id);
    const list = attestedByPair.get(key) ?? [];
    list.push({
      source: 'PartnerAttestation',
      agreementType: r.agreement_type,
      templateId: r.template_id,
      dateAgreed: r.date_agreed,
      eventId: r.event_id,
      withdrawnAt: r.withdrawn_at,
      recordedAt: r.attested_at,
      attestationSource: r.attestation_source,
      enhancedAttestationId: r.enhanced_attestation_id,
    });
    attestedByPair.set(key, list);
  }
  const directByCustomer = new Map<string, AcceptanceFact[]>();
  for (const r of direct) {
    const key = r.customer_tenant_id.toLowerCase();
    const list = directByCustomer.get(key) ?? [];
    list.push({
      source: 'CustomerDirect',
      agreementType: r.agreement_type,
      templateId: r.template_id,
      dateAgreed: r.date_agreed,
      eventId: r.event_id,
    });
    directByCustomer.set(key, list);
  }
  const enhancedByPair = new Map<string, EnhancedAttestationView>(
    enhanced.map((r) => [
      pairKey(r.partner_id, r.customer_tenant_id),
      {
        attestationId: r.attestation_id,
        status: r.status,
        acceptanceUrl: r.acceptance_url,
        expiresAt: r.expires_at,
      },
    ]),
  );
  const cloudOf = new Map(clouds.map((r) => [r.customer_tenant_id.toLowerCase(), r.cloud]));
  const relatedPairs = new Set(related.map((r) => pairKey(r.partner_id, r.customer_tenant_id)));
  const linked = new Set(links.map((r) => pairKey(r.provider_partner_id, r.reseller_partner_id)));

  const views = new Map<string, GateView>();
  for (const o of orders) {
    const customer = o.customerTenantId.toLowerCase();
    views.set(o.orderId, {
      customerCloud: cloudOf.get(customer) ?? null,
      relationship: {
        partner: relatedPairs.has(pairKey(o.partnerId, customer)),
        reseller: o.resellerPartnerId ? relatedPairs.has(pairKey(o.resellerPartnerId, customer)) : false,
        resellerLinked: o.resellerPartnerId ? linked.has(pairKey(o.partnerId, o.resellerPartnerId)) : false,
      },
      acceptances: [
        ...(attestedByPair.get(pairKey(o.partnerId, customer)) ?? []),
        ...(directByCustomer.get(customer) ?? []),
      ],
      templates: catalog,
      enhancedAttestation: enhancedByPair.get(pairKey(o.partnerId, customer)) ?? null,
    });
  }
  return views;
}
