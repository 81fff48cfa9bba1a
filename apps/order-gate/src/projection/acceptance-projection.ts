import { EntityManager } from 'typeorm';
import { AgreementAttestedV1, EventEnvelope } from '@app/contracts';
import { AcceptanceFact, PairView } from '../decision/decide';

/**
 * The gate's own copy of the acceptance facts, built only from events. A partner holds at most
 * one current attestation per customer and type; a newer one supersedes it.
 */
export async function applyAgreementAttested(
  manager: EntityManager,
  event: EventEnvelope<AgreementAttestedV1>,
): Promise<void> {
  const d = event.data;
  await manager.query(
    `INSERT INTO order_gate.acceptances
       (partner_id, customer_tenant_id, agreement_type, source, template_id, date_agreed, event_id)
     VALUES ($1, $2, $3, 'PartnerAttestation', $4, $5, $6)
     ON CONFLICT (partner_id, customer_tenant_id, agreement_type) DO UPDATE
       SET source = EXCLUDED.source, template_id = EXCLUDED.template_id, date_agreed = EXCLUDED.date_agreed,
           event_id = EXCLUDED.event_id, recorded_at = now()`,
    [d.partnerId, d.customerTenantId, d.agreementType, d.templateId, d.dateAgreed, event.eventId],
  );
}

export async function loadPairView(
  manager: EntityManager,
  partnerId: string,
  customerTenantId: string,
): Promise<PairView> {
  const rows: Array<{
    source: string;
    agreement_type: string;
    template_id: string;
    date_agreed: Date;
    event_id: string;
  }> = await manager.query(
    `SELECT source, agreement_type, template_id, date_agreed, event_id FROM order_gate.acceptances
        WHERE partner_id = $1 AND customer_tenant_id = $2`,
    [partnerId, customerTenantId],
  );
  const acceptances: AcceptanceFact[] = rows.map((r) => ({
    source: r.source as AcceptanceFact['source'],
    agreementType: r.agreement_type as AcceptanceFact['agreementType'],
    templateId: r.template_id,
    dateAgreed: r.date_agreed.toISOString(),
    eventId: r.event_id,
  }));
  return { acceptances };
}
