import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { AGREEMENT_TYPES, AgreementType, IsDateTime } from '@app/contracts';
import { IsPlainText, IsWellFormedEmail } from '@app/platform';

export class PrimaryContactDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  firstName: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  lastName: string;

  /** well-formed; nothing else about the contact is verified, and nobody is notified. */
  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsString()
  @IsWellFormedEmail()
  @Length(3, 254)
  email: string;

  @ApiPropertyOptional({ maxLength: 32 })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  @IsPlainText()
  phoneNumber?: string;
}

/** the body of POST /v1/customers/{customerTenantId}/agreements. */
export class AttestAgreementDto {
  @ApiProperty({ type: PrimaryContactDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PrimaryContactDto)
  @IsNotEmpty()
  primaryContact: PrimaryContactDto;

  @ApiProperty({
    format: 'date-time',
    description:
      'UTC date-time (with a zone) the customer accepted; not in the future beyond 5 minutes of clock skew (A-02, 600002), not before 2000-01-01 (610119).',
    example: '2026-01-15T09:30:00.000Z',
  })
  @IsDateTime()
  dateAgreed: string;

  @ApiProperty({ format: 'uuid', example: '117a77b0-9360-443b-8795-c6dedc750cf9' })
  @IsUUID('all')
  templateId: string;

  @ApiProperty({ enum: AGREEMENT_TYPES, description: 'Must be the type of the template (A-04).' })
  @IsIn(AGREEMENT_TYPES)
  type: AgreementType;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'A-11: the real person, when the token user is an account designated for attesting.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  attestedBy?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    deprecated: true,
    description:
      "Accepted for compatibility with older Partner Center clients and ignored: the attesting user is always the token's `oid`.",
  })
  @IsOptional()
  @IsUUID('all')
  userId?: string;
}

export class AttestationResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: "The attesting partner user: the token's `oid`." })
  userId: string;
  @ApiPropertyOptional() attestedBy?: string;
  @ApiProperty({ type: PrimaryContactDto }) primaryContact: PrimaryContactDto;
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty({ format: 'date-time' }) dateAgreed: string;
  @ApiProperty({ enum: AGREEMENT_TYPES }) type: AgreementType;
}

export const ATTESTATION_STATUSES = ['Current', 'Superseded', 'Withdrawn'] as const;
export type AttestationStatus = (typeof ATTESTATION_STATUSES)[number];

export class AttestationRecordDto extends AttestationResponseDto {
  @ApiProperty({
    enum: ATTESTATION_STATUSES,
    description: 'A-08: a newer attestation supersedes; A-12: withdrawn.',
  })
  status: AttestationStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time' }) supersededAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) withdrawnAt?: string;
  @ApiPropertyOptional() withdrawalReason?: string;
  @ApiPropertyOptional({
    enum: ['Legacy', 'Enhanced'],
    description: 'T-08: Enhanced when made by finalizing an enhanced attestation (E-04).',
  })
  attestationSource?: 'Legacy' | 'Enhanced';
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'E-04: the enhanced attestation it was finalized from.',
  })
  enhancedAttestationId?: string;
}

class CollectionAttributes {
  @ApiProperty({ example: 'Collection' }) objectType: 'Collection';
}

export class AttestationCollectionDto {
  @ApiProperty() totalCount: number;
  @ApiProperty({ type: [AttestationRecordDto] }) items: AttestationRecordDto[];
  @ApiProperty({ type: CollectionAttributes }) attributes: CollectionAttributes;
}

/** the body of POST /v1/customers/{customerTenantId}/agreements/withdrawals. */
export class WithdrawAttestationDto {
  @ApiProperty({
    enum: AGREEMENT_TYPES,
    description: 'The agreement type whose current attestation is withdrawn.',
  })
  @IsIn(AGREEMENT_TYPES)
  type: AgreementType;

  @ApiProperty({ maxLength: 500, description: 'Why the customer no longer agrees.' })
  @IsString()
  @Length(1, 500)
  @IsPlainText()
  reason: string;
}

export class WithdrawalResponseDto {
  @ApiProperty({ format: 'uuid' }) attestationId: string;
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({ enum: AGREEMENT_TYPES }) type: AgreementType;
  @ApiProperty() reason: string;
  @ApiProperty({ format: 'date-time' }) withdrawnAt: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
}
