import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@app/platform';

const START = 'POST /v1/attestations/enhanced';

/**
 * The enhanced attestation's errors (E-01..E-08), numbered after attestation-errors.ts. Each description says
 * what to do. The refusals of who may act (A-05..A-07, A-17) are attestation-errors.ts's own.
 */
export const EnhancedErrors = {
  /** E-08: unknown, another partner's, or another customer's: the same answer for each. */
  notFound: () =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610123,
      'EnhancedAttestationNotFound',
      'You have no enhanced attestation with this attestationId for this customer. List yours with GET /v1/customers/{customerTenantId}/attestations/enhanced.',
      { field: 'attestationId' },
    ),
  notAccepted: () =>
    new ApiError(
      HttpStatus.CONFLICT,
      610124,
      'EnhancedAttestationNotAccepted',
      "The customer's signatory has not accepted this attestation yet. Share its acceptanceUrl with them, wait until GET /v1/attestations/enhanced/{attestationId} says Accepted, then finalize.",
      { field: 'attestationId', status: 'Pending' },
    ),
  expired: () =>
    new ApiError(
      HttpStatus.GONE,
      610125,
      'EnhancedAttestationExpired',
      `This attestation expired before its signatory accepted it. Start a new one (${START}).`,
      { field: 'attestationId', status: 'Expired' },
    ),
  cancelled: () =>
    new ApiError(
      HttpStatus.GONE,
      610126,
      'EnhancedAttestationCancelled',
      `This attestation was cancelled. Start a new one (${START}).`,
      { field: 'attestationId', status: 'Cancelled' },
    ),
  notPending: (status: string) =>
    new ApiError(
      HttpStatus.CONFLICT,
      610127,
      'EnhancedAttestationNotPending',
      `Only a pending attestation can be cancelled; this one is ${status}. To undo a finalized agreement, withdraw it (POST /v1/customers/{customerTenantId}/agreements/withdrawals).`,
      { field: 'attestationId', status },
    ),
  templateMismatch: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610128,
      'EnhancedAttestationTemplateMismatch',
      'templateId is not the template this attestation was opened for. Send the templateId that GET /v1/attestations/enhanced/{attestationId} answers.',
      { field: 'templateId' },
    ),
  noCurrentTemplate: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610129,
      'NoCurrentCustomerAgreementTemplate',
      'No Microsoft Customer Agreement template is published and current, so no attestation can be opened. Ask the operator to publish one (POST /v1/agreements).',
      { field: 'templateId' },
    ),
};
