/* class-transformer's @Type reads design-time type metadata, so the shim must load before these classes. */
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { AGREEMENT_TYPES, AgreementType, Channel, CHANNELS } from '../enums';
import { IsDateTime, IsGuid } from '../validators';
import { ATTESTATION_SOURCES, AttestationSource } from './enhanced';

/** The customer's contact named in an attestation; never notified. */
export class PrimaryContact {
  @IsString()
  @IsNotEmpty()
  firstName: string;

  @IsString()
  @IsNotEmpty()
  lastName: string;

  @IsEmail()
  email: string;

  @IsOptional()
  @IsString()
  phoneNumber?: string;
}

/** The person who accepted the Customer Agreement for the customer (D-03, D-04). */
export class Signer {
  @IsString()
  @IsNotEmpty()
  firstName: string;

  @IsString()
  @IsNotEmpty()
  lastName: string;

  @IsEmail()
  email: string;
}

export class AgreementAttestedV1 {
  @IsGuid()
  attestationId: string;

  @IsGuid()
  partnerId: string;

  @IsGuid()
  customerTenantId: string;

  @IsIn(AGREEMENT_TYPES)
  agreementType: AgreementType;

  @IsGuid()
  templateId: string;

  @IsDateTime()
  dateAgreed: string;

  /** The partner user account that attested. */
  @IsGuid()
  userId: string;

  /** The real person, when `userId` is an account designated for the purpose. */
  @IsOptional()
  @IsString()
  attestedBy?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => PrimaryContact)
  primaryContact: PrimaryContact;

  @IsIn(CHANNELS)
  channel: Channel;

  /** T-08: `Enhanced` when finalizing an enhanced attestation made it (E-04); absent or `Legacy` otherwise. */
  @IsOptional()
  @IsIn(ATTESTATION_SOURCES)
  attestationSource?: AttestationSource;

  /** E-04: the enhanced attestation this record was finalized from. */
  @IsOptional()
  @IsGuid()
  enhancedAttestationId?: string;
}

export class AgreementAttestationWithdrawnV1 {
  @IsGuid()
  attestationId: string;

  @IsGuid()
  partnerId: string;

  @IsGuid()
  customerTenantId: string;

  @IsIn(AGREEMENT_TYPES)
  agreementType: AgreementType;

  @IsDateTime()
  withdrawnAt: string;

  @IsString()
  @IsNotEmpty()
  reason: string;

  @IsGuid()
  userId: string;
}

/** Direct acceptance exists only for the Microsoft Customer Agreement (D-04). */
export const DIRECTLY_ACCEPTABLE_AGREEMENT_TYPES: readonly AgreementType[] = [
  AgreementType.MicrosoftCustomerAgreement,
];

export class CustomerAgreementAcceptedV1 {
  @IsGuid()
  customerTenantId: string;

  @IsIn(DIRECTLY_ACCEPTABLE_AGREEMENT_TYPES)
  agreementType: typeof AgreementType.MicrosoftCustomerAgreement;

  @IsGuid()
  templateId: string;

  @IsDateTime()
  dateAgreed: string;

  @IsObject()
  @ValidateNested()
  @Type(() => Signer)
  signer: Signer;

  /** The partner whose invitation the acceptance came through, if any. */
  @IsOptional()
  @IsGuid()
  viaPartnerId?: string;
}
