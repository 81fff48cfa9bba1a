import { AGREEMENT_TYPES, AgreementType } from '@app/contracts';
import { AttestationErrors } from './attestation-errors';

/**
 * `agreementType` omitted or `*` means every type (the real API defaults to the Cloud
 * Agreement, which hides Customer Agreement records); anything else must name a type.
 */
export function agreementTypeFilter(value: unknown): AgreementType | undefined {
  if (value === undefined || value === '' || value === '*') return undefined;
  if (typeof value === 'string' && (AGREEMENT_TYPES as readonly string[]).includes(value))
    return value as AgreementType;
  throw AttestationErrors.invalidAgreementType();
}
