import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import {
  AGREEMENT_TYPES,
  AgreementType,
  ENHANCED_ATTESTATION_STATUSES,
  EnhancedAttestationStatus,
  IsLanguageTag,
} from '@app/contracts';
import { IsPlainText, IsWellFormedEmail } from '@app/platform';

export const MIN_LIFETIME_MINUTES = 5;
export const MAX_LIFETIME_MINUTES = 10080;

/** E-01: the body of POST /v1/attestations/enhanced. */
export class StartEnhancedAttestationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  customerTenantId: string;

  @ApiProperty({ description: 'ISO 3166-1 alpha-2 country of the customer.', example: 'US' })
  @IsString()
  @IsISO31661Alpha2()
  country: string;

  @ApiProperty({ description: 'Language of the agreement: en, en-US, ja-JP, zh-Hans…', example: 'en-US' })
  @IsLanguageTag()
  language: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  companyName: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  signatoryFirstName: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  signatoryLastName: string;

  @ApiProperty({ format: 'email', maxLength: 254, description: 'Never sent anything (E-06, A-10).' })
  @IsString()
  @IsWellFormedEmail()
  @Length(3, 254)
  signatoryEmail: string;

  @ApiPropertyOptional({ maxLength: 32 })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  @IsPlainText()
  signatoryPhoneNumber?: string;

  @ApiPropertyOptional({
    minimum: MIN_LIFETIME_MINUTES,
    maximum: MAX_LIFETIME_MINUTES,
    default: MAX_LIFETIME_MINUTES,
    description: 'Lifetime of the acceptance link in minutes (5 minutes to 7 days).',
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_LIFETIME_MINUTES)
  @Max(MAX_LIFETIME_MINUTES)
  expiresInMinutes?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'E-04: make the agreement as soon as the signatory accepts, without a finalize call.',
  })
  @IsOptional()
  @IsBoolean()
  autoFinalize?: boolean;
}

/** E-04: the finalize body of POST /v1/customers/{customerTenantId}/agreements. */
export class FinalizeEnhancedAttestationDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The accepted enhanced attestation to make the agreement from.',
  })
  @IsUUID('all')
  attestationId: string;

  @ApiProperty({ format: 'uuid', example: '117a77b0-9360-443b-8795-c6dedc750cf9' })
  @IsUUID('all')
  templateId: string;

  @ApiProperty({ enum: AGREEMENT_TYPES, example: 'MicrosoftCustomerAgreement' })
  @IsIn(AGREEMENT_TYPES)
  type: AgreementType;
}

export class StartedEnhancedAttestationDto {
  @ApiProperty({ format: 'uuid' }) attestationId: string;
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({ enum: ['Pending'] }) status: 'Pending';
  @ApiProperty({
    format: 'uri',
    description: 'The link for the signatory: yours to share; the system never sends it (E-06).',
  })
  acceptanceUrl: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ format: 'uuid' }) templateId: string;
}

export class SignatoryDto {
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty() email: string;
  @ApiPropertyOptional() phoneNumber?: string;
}

/** E-03: what the evidence record says, without the client address and user agent. */
export class EvidenceSummaryDto {
  @ApiProperty({ description: 'SHA-256 (hex) of the canonical JSON of the evidence record.' })
  evidenceHash: string;
  @ApiProperty({ format: 'date-time' }) acceptedAt: string;
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty({ format: 'uri' }) agreementLink: string;
  @ApiProperty() language: string;
  @ApiProperty() country: string;
  @ApiProperty({ description: 'SHA-256 (hex) of the exact text the page showed.' }) shownTextHash: string;
}

export class EnhancedAttestationDto {
  @ApiProperty({ format: 'uuid' }) attestationId: string;
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({
    enum: ENHANCED_ATTESTATION_STATUSES,
    description: 'A pending attestation past its expiry reads as Expired.',
  })
  status: EnhancedAttestationStatus;
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty() country: string;
  @ApiProperty() language: string;
  @ApiProperty() companyName: string;
  @ApiProperty({ type: SignatoryDto }) signatory: SignatoryDto;
  @ApiProperty() autoFinalize: boolean;
  @ApiProperty({ format: 'uri' }) acceptanceUrl: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'uuid', description: 'The partner user who started it.' }) userId: string;
  @ApiPropertyOptional({ format: 'date-time' }) acceptedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) finalizedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) cancelledAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) expiredAt?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'E-04: the agreement (partner attestation) it made.' })
  agreementId?: string;
  @ApiPropertyOptional({ type: EvidenceSummaryDto }) evidence?: EvidenceSummaryDto;
}

class CollectionAttributes {
  @ApiProperty({ example: 'Collection' }) objectType: 'Collection';
}

export class EnhancedAttestationCollectionDto {
  @ApiProperty() totalCount: number;
  @ApiProperty({ type: [EnhancedAttestationDto] }) items: EnhancedAttestationDto[];
  @ApiProperty({ type: CollectionAttributes }) attributes: CollectionAttributes;
}
