import { DataSource, EntityManager } from 'typeorm';
import { raw, runSql, sql, table } from '@app/messaging';
import { EnhancedAttestationDto } from './enhanced-attestation.dto';
import { effectiveStatus, ENHANCED_COLUMNS, EnhancedAttestationRow } from './enhanced-attestation-row';

/** An enhanced attestation with its evidence record's summary, as the partner's reads select it. */
export interface EnhancedReadRow extends EnhancedAttestationRow {
  evidence_hash: string | null;
  evidence_accepted_at: Date | null;
  evidence_template_id: string | null;
  evidence_agreement_link: string | null;
  evidence_language: string | null;
  evidence_country: string | null;
  shown_text_hash: string | null;
}

const READ_COLUMNS = raw(`v.evidence_hash, v.accepted_at AS evidence_accepted_at,
  v.template_id AS evidence_template_id, v.agreement_link AS evidence_agreement_link,
  v.language AS evidence_language, v.country AS evidence_country, v.shown_text_hash`);

/**
 * The partner's enhanced attestations matching `where` (an id, or a customer), newest first. Another partner's
 * are never read (E-08).
 */
export async function readEnhanced(
  runner: DataSource | EntityManager,
  schema: string,
  partnerId: string,
  where: { id?: string; customerTenantId?: string },
): Promise<EnhancedReadRow[]> {
  const id = where.id ?? null;
  const customer = where.customerTenantId ?? null;
  return runSql(
    runner,
    sql`SELECT ${ENHANCED_COLUMNS}, ${READ_COLUMNS}
          FROM ${table(schema, 'enhanced_attestations')} e
          JOIN ${table(schema, 'templates')} t ON t.template_id = e.template_id
          LEFT JOIN ${table(schema, 'enhanced_attestation_evidence')} v ON v.attestation_id = e.id
         WHERE e.partner_id = ${partnerId}
           AND (${id}::uuid IS NULL OR e.id = ${id}::uuid)
           AND (${customer}::uuid IS NULL OR e.customer_tenant_id = ${customer}::uuid)
         ORDER BY e.created_at DESC, e.id`,
  );
}

const iso = (date: Date | null): string | undefined => (date ? date.toISOString() : undefined);

/** E-05: the partner's view of one attestation: its status (Expired once past expiry) and evidence summary. */
export function toEnhancedAttestationDto(row: EnhancedReadRow, now: Date): EnhancedAttestationDto {
  const status = effectiveStatus(row, now);
  const dto: EnhancedAttestationDto = {
    attestationId: row.id,
    customerTenantId: row.customer_tenant_id,
    status,
    templateId: row.template_id,
    country: row.country,
    language: row.language,
    companyName: row.company_name,
    signatory: {
      firstName: row.signatory_first_name,
      lastName: row.signatory_last_name,
      email: row.signatory_email,
      ...(row.signatory_phone_number !== null ? { phoneNumber: row.signatory_phone_number } : {}),
    },
    autoFinalize: row.auto_finalize,
    acceptanceUrl: row.acceptance_url,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    userId: row.user_id,
  };
  const times = {
    acceptedAt: iso(row.accepted_at),
    finalizedAt: iso(row.finalized_at),
    cancelledAt: iso(row.cancelled_at),
    expiredAt: iso(row.expired_at ?? (status === 'Expired' ? row.expires_at : null)),
  };
  for (const [key, value] of Object.entries(times)) if (value) Object.assign(dto, { [key]: value });
  if (row.partner_attestation_id) dto.agreementId = row.partner_attestation_id;
  if (row.evidence_hash !== null) {
    dto.evidence = {
      evidenceHash: row.evidence_hash,
      acceptedAt: row.evidence_accepted_at!.toISOString(),
      templateId: row.evidence_template_id!,
      agreementLink: row.evidence_agreement_link!,
      language: row.evidence_language!,
      country: row.evidence_country!,
      shownTextHash: row.shown_text_hash!,
    };
  }
  return dto;
}
