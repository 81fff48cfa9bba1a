import { EntityManager } from 'typeorm';
import { quoteIdent } from '@app/messaging';
import { ProjectionWrite } from './evolve';

/** The thin SQL side of the projection: one statement per write, in the given schema. */
export async function applyWrites(
  manager: Pick<EntityManager, 'query'>,
  schema: string,
  writes: readonly ProjectionWrite[],
): Promise<void> {
  const s = quoteIdent(schema);
  for (const w of writes) {
    switch (w.kind) {
      case 'attestation':
        await manager.query(
          `INSERT INTO ${s}.acceptances
             (partner_id, customer_tenant_id, agreement_type, source, template_id, date_agreed, event_id)
           VALUES ($1, $2, $3, 'PartnerAttestation', $4, $5, $6)
           ON CONFLICT (partner_id, customer_tenant_id, agreement_type) DO UPDATE
             SET template_id = EXCLUDED.template_id, date_agreed = EXCLUDED.date_agreed, event_id = EXCLUDED.event_id,
                 withdrawn_at = NULL, withdrawal_event_id = NULL, recorded_at = now()`,
          [w.partnerId, w.customerTenantId, w.agreementType, w.templateId, w.dateAgreed, w.eventId],
        );
        break;
      case 'withdrawal':
        await manager.query(
          `UPDATE ${s}.acceptances SET withdrawn_at = $4, withdrawal_event_id = $5
            WHERE partner_id = $1 AND customer_tenant_id = $2 AND agreement_type = $3`,
          [w.partnerId, w.customerTenantId, w.agreementType, w.withdrawnAt, w.eventId],
        );
        break;
      case 'directAcceptance':
        await manager.query(
          `INSERT INTO ${s}.direct_acceptances (customer_tenant_id, agreement_type, template_id, date_agreed, event_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (customer_tenant_id, agreement_type) DO UPDATE
             SET template_id = EXCLUDED.template_id, date_agreed = EXCLUDED.date_agreed, event_id = EXCLUDED.event_id`,
          [w.customerTenantId, w.agreementType, w.templateId, w.dateAgreed, w.eventId],
        );
        break;
      case 'customer':
        await manager.query(
          `INSERT INTO ${s}.customers (customer_tenant_id, cloud, country) VALUES ($1, $2, $3)
           ON CONFLICT (customer_tenant_id) DO UPDATE SET cloud = EXCLUDED.cloud, country = EXCLUDED.country`,
          [w.customerTenantId, w.cloud, w.country],
        );
        break;
      case 'partner':
        await manager.query(
          `INSERT INTO ${s}.partners (partner_id, partner_type, cloud) VALUES ($1, $2, $3)
           ON CONFLICT (partner_id) DO UPDATE SET partner_type = EXCLUDED.partner_type, cloud = EXCLUDED.cloud`,
          [w.partnerId, w.partnerType, w.cloud],
        );
        break;
      case 'relationship':
        await manager.query(
          `INSERT INTO ${s}.relationships (partner_id, customer_tenant_id, active, changed_at, event_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE
             SET active = EXCLUDED.active, changed_at = EXCLUDED.changed_at, event_id = EXCLUDED.event_id`,
          [w.partnerId, w.customerTenantId, w.active, w.changedAt, w.eventId],
        );
        break;
      case 'resellerLink':
        await manager.query(
          `INSERT INTO ${s}.reseller_links (provider_partner_id, reseller_partner_id, linked_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [w.providerPartnerId, w.resellerPartnerId, w.linkedAt],
        );
        break;
      case 'template':
        await manager.query(
          `INSERT INTO ${s}.templates (template_id, agreement_type, version_rank, agreement_link, published_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (template_id) DO UPDATE SET agreement_type = EXCLUDED.agreement_type,
             version_rank = EXCLUDED.version_rank, agreement_link = EXCLUDED.agreement_link,
             published_at = EXCLUDED.published_at`,
          [w.templateId, w.agreementType, w.versionRank, w.agreementLink, w.publishedAt],
        );
        break;
    }
  }
}
