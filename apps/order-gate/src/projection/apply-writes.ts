import { EntityManager } from 'typeorm';
import { quoteIdent } from '@app/messaging';
import { ProjectionWrite } from './evolve';

/**
 * The SQL side of `evolve`: one statement per write, in the given schema, and no read. Each upsert's
 * `WHERE` is the row's rule from `fact-order.ts` (S-05): the row keeps the latest fact, an equal time
 * from a different fact replaces it (it came later in the topic), a copy changes nothing.
 */
export async function applyWrites(
  manager: Pick<EntityManager, 'query'>,
  schema: string,
  writes: readonly ProjectionWrite[],
): Promise<void> {
  const s = quoteIdent(schema);
  for (const w of writes) {
    switch (w.kind) {
      case 'attestation':
        // attested_at is NULL on a row a withdrawal opened before its attestation arrived.
        await manager.query(
          `INSERT INTO ${s}.acceptances AS a
             (partner_id, customer_tenant_id, agreement_type, source, template_id, date_agreed, event_id,
              attestation_id, attested_at, attestation_source, enhanced_attestation_id)
           VALUES ($1, $2, $3, 'PartnerAttestation', $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (partner_id, customer_tenant_id, agreement_type) DO UPDATE
             SET source = EXCLUDED.source, template_id = EXCLUDED.template_id, date_agreed = EXCLUDED.date_agreed,
                 event_id = EXCLUDED.event_id, attestation_id = EXCLUDED.attestation_id,
                 attested_at = EXCLUDED.attested_at, attestation_source = EXCLUDED.attestation_source,
                 enhanced_attestation_id = EXCLUDED.enhanced_attestation_id, recorded_at = now()
             WHERE a.attested_at IS NULL OR a.attested_at < EXCLUDED.attested_at
                OR (a.attested_at = EXCLUDED.attested_at AND a.attestation_id IS DISTINCT FROM EXCLUDED.attestation_id)`,
          [
            w.partnerId,
            w.customerTenantId,
            w.agreementType,
            w.templateId,
            w.dateAgreed,
            w.eventId,
            w.attestationId,
            w.attestedAt,
            w.attestationSource,
            w.enhancedAttestationId,
          ],
        );
        break;
      case 'enhancedStarted':
        // The pair's latest attestation (by the time it was started) replaces an older one; a copy changes nothing.
        await manager.query(
          `INSERT INTO ${s}.enhanced_attestations AS e
             (partner_id, customer_tenant_id, attestation_id, started_at, status, acceptance_url, expires_at, event_id)
           VALUES ($1, $2, $3, $4, 'Pending', $5, $6, $7)
           ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE
             SET attestation_id = EXCLUDED.attestation_id, started_at = EXCLUDED.started_at, status = 'Pending',
                 acceptance_url = EXCLUDED.acceptance_url, expires_at = EXCLUDED.expires_at, event_id = EXCLUDED.event_id
             WHERE e.started_at < EXCLUDED.started_at
                OR (e.started_at = EXCLUDED.started_at AND e.attestation_id <> EXCLUDED.attestation_id)`,
          [
            w.partnerId,
            w.customerTenantId,
            w.attestationId,
            w.startedAt,
            w.acceptanceUrl,
            w.expiresAt,
            w.eventId,
          ],
        );
        break;
      case 'enhancedStatus':
        // advancesStatus in evolve.ts: Finalized ends any state; the others move only a pending attestation.
        await manager.query(
          `UPDATE ${s}.enhanced_attestations SET status = $4, event_id = $5
            WHERE partner_id = $1 AND customer_tenant_id = $2 AND attestation_id = $3
              AND (($4 = 'Finalized' AND status <> 'Finalized') OR (status = 'Pending' AND $4 <> 'Pending'))`,
          [w.partnerId, w.customerTenantId, w.attestationId, w.status, w.eventId],
        );
        break;
      case 'withdrawal':
        // The last withdrawal of the pair; it holds only for the attestation it names (gate-views).
        await manager.query(
          `INSERT INTO ${s}.acceptances AS a
             (partner_id, customer_tenant_id, agreement_type, withdrawn_at, withdrawal_event_id, withdrawn_attestation_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (partner_id, customer_tenant_id, agreement_type) DO UPDATE
             SET withdrawn_at = EXCLUDED.withdrawn_at, withdrawal_event_id = EXCLUDED.withdrawal_event_id,
                 withdrawn_attestation_id = EXCLUDED.withdrawn_attestation_id
             WHERE a.withdrawn_at IS NULL OR a.withdrawn_at < EXCLUDED.withdrawn_at
                OR (a.withdrawn_at = EXCLUDED.withdrawn_at
                    AND a.withdrawn_attestation_id IS DISTINCT FROM EXCLUDED.withdrawn_attestation_id)`,
          [w.partnerId, w.customerTenantId, w.agreementType, w.withdrawnAt, w.eventId, w.attestationId],
        );
        break;
      case 'directAcceptance':
        await manager.query(
          `INSERT INTO ${s}.direct_acceptances AS d
             (customer_tenant_id, agreement_type, template_id, date_agreed, event_id, accepted_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (customer_tenant_id, agreement_type) DO UPDATE
             SET template_id = EXCLUDED.template_id, date_agreed = EXCLUDED.date_agreed, event_id = EXCLUDED.event_id,
                 accepted_at = EXCLUDED.accepted_at
             WHERE d.accepted_at < EXCLUDED.accepted_at
                OR (d.accepted_at = EXCLUDED.accepted_at
                    AND (d.template_id, d.date_agreed) IS DISTINCT FROM (EXCLUDED.template_id, EXCLUDED.date_agreed))`,
          [w.customerTenantId, w.agreementType, w.templateId, w.dateAgreed, w.eventId, w.acceptedAt],
        );
        break;
      case 'customer':
        // S-01: the tenant's first known cloud stands; a later fact never changes it.
        await manager.query(
          `INSERT INTO ${s}.customers AS c (customer_tenant_id, cloud, country, known_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (customer_tenant_id) DO UPDATE
             SET cloud = EXCLUDED.cloud, country = EXCLUDED.country, known_at = EXCLUDED.known_at
             WHERE c.known_at > EXCLUDED.known_at`,
          [w.customerTenantId, w.cloud, w.country, w.knownAt],
        );
        break;
      case 'partner':
        await manager.query(
          `INSERT INTO ${s}.partners (partner_id, partner_type, cloud) VALUES ($1, $2, $3)
           ON CONFLICT (partner_id) DO NOTHING`,
          [w.partnerId, w.partnerType, w.cloud],
        );
        break;
      case 'relationship':
        await manager.query(
          `INSERT INTO ${s}.relationships AS r (partner_id, customer_tenant_id, active, changed_at, event_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE
             SET active = EXCLUDED.active, changed_at = EXCLUDED.changed_at, event_id = EXCLUDED.event_id
             WHERE r.changed_at < EXCLUDED.changed_at
                OR (r.changed_at = EXCLUDED.changed_at AND r.active <> EXCLUDED.active)`,
          [w.partnerId, w.customerTenantId, w.active, w.changedAt, w.eventId],
        );
        break;
      case 'resellerLink':
        await manager.query(
          `INSERT INTO ${s}.reseller_links AS l (provider_partner_id, reseller_partner_id, linked_at) VALUES ($1, $2, $3)
           ON CONFLICT (provider_partner_id, reseller_partner_id) DO UPDATE SET linked_at = EXCLUDED.linked_at
             WHERE l.linked_at > EXCLUDED.linked_at`,
          [w.providerPartnerId, w.resellerPartnerId, w.linkedAt],
        );
        break;
      case 'template':
        await manager.query(
          `INSERT INTO ${s}.templates AS t (template_id, agreement_type, version_rank, agreement_link, published_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (template_id) DO UPDATE SET agreement_type = EXCLUDED.agreement_type,
             version_rank = EXCLUDED.version_rank, agreement_link = EXCLUDED.agreement_link,
             published_at = EXCLUDED.published_at
             WHERE (t.version_rank, t.published_at) < (EXCLUDED.version_rank, EXCLUDED.published_at)`,
          [w.templateId, w.agreementType, w.versionRank, w.agreementLink, w.publishedAt],
        );
        break;
    }
  }
}
