import { EntityManager } from 'typeorm';
import { AgreementType, OrderRequestedV1 } from '@app/contracts';
import { quoteIdent } from '@app/messaging';
import { AcceptanceFact, GateView, TemplateInfo } from '../decision/decide';

type Querier = Pick<EntityManager, 'query'>;

const pairKey = (partnerId: string, customerTenantId: string) =>
  `${partnerId.toLowerCase()}|${customerTenantId.toLowerCase()}`;

const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);

export async function loadTemplates(db: Querier, schema: string): Promise<TemplateInfo[]> {
  const rows: Array<{
    template_id: string;
    agreement_type: AgreementType;
    version_rank: number;
    agreement_link: string;
    published_at: Date;
  }> = await db.query(
    `SELECT template_id, agreement_type, version_rank, agreement_link, published_at FROM ${quoteIdent(schema)}.templates`,
  );
  return rows.map((r) => ({
    templateId: r.template_id,
    agreementType: r.agreement_type,
    versionRank: r.version_rank,
    agreementLink: r.agreement_link,
    publishedAt: iso(r.published_at),
  }));
}

/**
 * The views of many orders in a few set-based queries: the transacting partners' attestations, the
 * customers' direct acceptances and clouds, the relationships of partners and resellers of record, the
 * reseller links (D-07) and the template catalog. Keyed by orderId.
 */
export async function loadViews(
  db: Querier,
  schema: string,
  orders: readonly OrderRequestedV1[],
  templates?: readonly TemplateInfo[],
): Promise<Map<string, GateView>> {
  const s = quoteIdent(schema);
  const partners = orders.map((o) => o.partnerId);
  const customers = orders.map((o) => o.customerTenantId);
  const withReseller = orders.filter((o) => o.resellerPartnerId);
  const relPartners = [...partners, ...withReseller.map((o) => o.resellerPartnerId!)];
  const relCustomers = [...customers, ...withReseller.map((o) => o.customerTenantId)];

  // One after the other: inside a transaction they share one connection.
  const [attested, direct, clouds, related, links, catalog] = await sequentially([
    () =>
      db.query(
        `SELECT a.partner_id, a.customer_tenant_id, a.agreement_type, a.template_id, a.date_agreed, a.event_id, a.withdrawn_at
         FROM ${s}.acceptances a
         JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS p(partner_id, customer_tenant_id)) p
           USING (partner_id, customer_tenant_id)`,
        [partners, customers],
      ) as Promise<
        Array<{
          partner_id: string;
          customer_tenant_id: string;
          agreement_type: AgreementType;
          template_id: string;
          date_agreed: Date;
          event_id: string;
          withdrawn_at: Date | null;
        }>
      >,
    () =>
      db.query(
        `SELECT customer_tenant_id, agreement_type, template_id, date_agreed, event_id
         FROM ${s}.direct_acceptances WHERE customer_tenant_id = ANY($1::uuid[])`,
        [customers],
      ) as Promise<
        Array<{
          customer_tenant_id: string;
          agreement_type: AgreementType;
          template_id: string;
          date_agreed: Date;
          event_id: string;
        }>
      >,
    () =>
      db.query(
        `SELECT customer_tenant_id, cloud FROM ${s}.customers WHERE customer_tenant_id = ANY($1::uuid[])`,
        [customers],
      ) as Promise<Array<{ customer_tenant_id: string; cloud: string }>>,
    () =>
      db.query(
        `SELECT r.partner_id, r.customer_tenant_id FROM ${s}.relationships r
         JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS p(partner_id, customer_tenant_id)) p
           USING (partner_id, customer_tenant_id)
        WHERE r.active`,
        [relPartners, relCustomers],
      ) as Promise<Array<{ partner_id: string; customer_tenant_id: string }>>,
    () =>
      withReseller.length === 0
        ? Promise.resolve([] as Array<{ provider_partner_id: string; reseller_partner_id: string }>)
        : (db.query(
            `SELECT provider_partner_id, reseller_partner_id FROM ${s}.reseller_links
            WHERE (provider_partner_id, reseller_partner_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
            [withReseller.map((o) => o.partnerId), withReseller.map((o) => o.resellerPartnerId!)],
          ) as Promise<Array<{ provider_partner_id: string; reseller_partner_id: string }>>),
    () => (templates ? Promise.resolve(templates) : loadTemplates(db, schema)),
  ] as const);

  const attestedByPair = new Map<string, AcceptanceFact[]>();
  for (const r of attested) {
    const key = pairKey(r.partner_id, r.customer_tenant_id);
    const list = attestedByPair.get(key) ?? [];
    list.push({
      source: 'PartnerAttestation',
      agreementType: r.agreement_type,
      templateId: r.template_id,
      dateAgreed: iso(r.date_agreed),
      eventId: r.event_id,
      withdrawnAt: r.withdrawn_at ? iso(r.withdrawn_at) : null,
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
      dateAgreed: iso(r.date_agreed),
      eventId: r.event_id,
    });
    directByCustomer.set(key, list);
  }
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
    });
  }
  return views;
}

type Thunks = readonly (() => Promise<unknown>)[];

async function sequentially<T extends Thunks>(
  thunks: T,
): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = [];
  for (const thunk of thunks) results.push(await thunk());
  return results as { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
}
