import { AgreementType } from '@app/contracts';
import { raw } from '@app/messaging';
import {
  AttestationRecordDto,
  AttestationResponseDto,
  AttestationStatus,
  PrimaryContactDto,
} from './attest-agreement.dto';

/** An attestations row as the queries of this service select it. */
export interface AttestationRow {
  id: string;
  customer_tenant_id: string;
  agreement_type: AgreementType;
  template_id: string;
  date_agreed: Date;
  user_id: string;
  attested_by: string | null;
  primary_contact: PrimaryContactDto;
  created_at: Date;
  superseded_at: Date | null;
  withdrawn_at: Date | null;
  withdrawal_reason: string | null;
  /** T-08: Legacy, or Enhanced when finalizing an enhanced attestation made it (E-04). */
  attestation_source: 'Legacy' | 'Enhanced';
  enhanced_attestation_id: string | null;
}

export const ATTESTATION_COLUMNS =
  raw(`id, customer_tenant_id, agreement_type, template_id, date_agreed, user_id, attested_by,
  primary_contact, created_at, superseded_at, withdrawn_at, withdrawal_reason, attestation_source,
  enhanced_attestation_id`);

/** The contact with its keys in one order, whatever order it was stored or sent in. */
export function contactOf(contact: PrimaryContactDto): PrimaryContactDto {
  return {
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email,
    ...(contact.phoneNumber !== undefined && contact.phoneNumber !== null
      ? { phoneNumber: contact.phoneNumber }
      : {}),
  };
}

/** The agreement resource as POST answers it (Partner Center's shape plus our `id`). */
export function toAttestationResponse(row: AttestationRow): AttestationResponseDto {
  return {
    id: row.id,
    userId: row.user_id,
    ...(row.attested_by !== null ? { attestedBy: row.attested_by } : {}),
    primaryContact: contactOf(row.primary_contact),
    templateId: row.template_id,
    dateAgreed: row.date_agreed.toISOString(),
    type: row.agreement_type,
  };
}

export function statusOf(row: Pick<AttestationRow, 'superseded_at' | 'withdrawn_at'>): AttestationStatus {
  if (row.withdrawn_at) return 'Withdrawn';
  if (row.superseded_at) return 'Superseded';
  return 'Current';
}

export function toAttestationRecord(row: AttestationRow): AttestationRecordDto {
  return {
    ...toAttestationResponse(row),
    status: statusOf(row),
    createdAt: row.created_at.toISOString(),
    ...(row.superseded_at ? { supersededAt: row.superseded_at.toISOString() } : {}),
    ...(row.withdrawn_at ? { withdrawnAt: row.withdrawn_at.toISOString() } : {}),
    ...(row.withdrawal_reason !== null ? { withdrawalReason: row.withdrawal_reason } : {}),
    attestationSource: row.attestation_source,
    ...(row.enhanced_attestation_id !== null ? { enhancedAttestationId: row.enhanced_attestation_id } : {}),
  };
}
