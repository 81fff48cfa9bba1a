import { EnhancedAttestationStatus } from '@app/contracts';
import { raw } from '@app/messaging';
import { templateDocument } from '../templates/template-document';

/** An enhanced_attestations row (with its template's link) as the queries of this service select it. */
export interface EnhancedAttestationRow {
  id: string;
  partner_id: string;
  customer_tenant_id: string;
  user_id: string;
  template_id: string;
  country: string;
  language: string;
  company_name: string;
  signatory_first_name: string;
  signatory_last_name: string;
  signatory_email: string;
  signatory_phone_number: string | null;
  acceptance_url: string;
  auto_finalize: boolean;
  status: EnhancedAttestationStatus;
  expires_at: Date;
  created_at: Date;
  accepted_at: Date | null;
  finalized_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  partner_attestation_id: string | null;
  template_link: string;
}

/** The columns of EnhancedAttestationRow, for `FROM enhanced_attestations e JOIN templates t`. */
export const ENHANCED_COLUMNS =
  raw(`e.id, e.partner_id, e.customer_tenant_id, e.user_id, e.template_id, e.country,
  e.language, e.company_name, e.signatory_first_name, e.signatory_last_name, e.signatory_email,
  e.signatory_phone_number, e.acceptance_url, e.auto_finalize, e.status, e.expires_at, e.created_at,
  e.accepted_at, e.finalized_at, e.cancelled_at, e.expired_at, e.partner_attestation_id,
  t.agreement_link AS template_link`);

/** E-05: a pending attestation past its expiry is Expired, whether or not the sweep has marked it yet. */
export function effectiveStatus(
  row: Pick<EnhancedAttestationRow, 'status' | 'expires_at'>,
  now: Date,
): EnhancedAttestationStatus {
  if (row.status === 'Pending' && row.expires_at.getTime() <= now.getTime()) return 'Expired';
  return row.status;
}

/** the agreement's document for the attestation's country and language, as the page shows it. */
export function agreementLinkOf(row: Pick<EnhancedAttestationRow, 'template_link' | 'language' | 'country'>) {
  return templateDocument(row.template_link, row.language, row.country).displayUri;
}
