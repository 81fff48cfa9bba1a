/* The enhanced attestation's events (E-07, docs/contract.md). The signatory's contact stays in the attestation
 * service: these events carry ids, times and the evidence hash only. */
import { IsBoolean, IsISO31661Alpha2 } from 'class-validator';
import { IsDateTime, IsGuid, IsLanguageTag, IsSha256Hex } from '../validators';

/** E-05: the life of an enhanced attestation. */
export const EnhancedAttestationStatus = {
  Pending: 'Pending',
  Accepted: 'Accepted',
  Finalized: 'Finalized',
  Expired: 'Expired',
  Cancelled: 'Cancelled',
} as const;
export type EnhancedAttestationStatus =
  (typeof EnhancedAttestationStatus)[keyof typeof EnhancedAttestationStatus];
export const ENHANCED_ATTESTATION_STATUSES: readonly EnhancedAttestationStatus[] =
  Object.values(EnhancedAttestationStatus);

/** Where an `AgreementAttested` came from (T-08): the plain legacy call, or finalizing an enhanced attestation. */
export const AttestationSource = {
  Legacy: 'Legacy',
  Enhanced: 'Enhanced',
} as const;
export type AttestationSource = (typeof AttestationSource)[keyof typeof AttestationSource];
export const ATTESTATION_SOURCES: readonly AttestationSource[] = Object.values(AttestationSource);

abstract class EnhancedAttestationEventV1 {
  @IsGuid()
  attestationId: string;

  @IsGuid()
  partnerId: string;

  @IsGuid()
  customerTenantId: string;
}

/** E-01: a partner opened an attestation; the customer's signatory has not accepted yet. */
export class EnhancedAttestationStartedV1 extends EnhancedAttestationEventV1 {
  @IsGuid()
  templateId: string;

  /** ISO 3166-1 alpha-2. */
  @IsISO31661Alpha2()
  country: string;

  @IsLanguageTag()
  language: string;

  @IsDateTime()
  expiresAt: string;

  /** The partner user who started it. */
  @IsGuid()
  userId: string;

  @IsBoolean()
  autoFinalize: boolean;
}

/** E-03: the signatory accepted on the page; `evidenceHash` is the SHA-256 (hex) of the evidence record. */
export class EnhancedAttestationAcceptedV1 extends EnhancedAttestationEventV1 {
  @IsDateTime()
  acceptedAt: string;

  @IsSha256Hex()
  evidenceHash: string;
}

/** E-05: the partner cancelled a pending attestation. */
export class EnhancedAttestationCancelledV1 extends EnhancedAttestationEventV1 {
  @IsDateTime()
  cancelledAt: string;
}

/** E-05: a pending attestation passed its expiry without being accepted. */
export class EnhancedAttestationExpiredV1 extends EnhancedAttestationEventV1 {
  @IsDateTime()
  expiredAt: string;
}

/** For type checks elsewhere: the status values that can still become `Accepted`. */
export const OPEN_ENHANCED_STATUSES: readonly EnhancedAttestationStatus[] = [
  EnhancedAttestationStatus.Pending,
];
export const isEnhancedAttestationStatus = (value: unknown): value is EnhancedAttestationStatus =>
  (ENHANCED_ATTESTATION_STATUSES as readonly unknown[]).includes(value);
