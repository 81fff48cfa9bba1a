import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { AGREEMENT_TYPES, AgreementType } from '@app/contracts';

export class PrimaryContactDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  firstName: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  lastName: string;

  /** well-formed; nothing else about the contact is verified, and nobody is notified. */
  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsEmail()
  @Length(3, 254)
  email: string;

  @ApiPropertyOptional({ maxLength: 32 })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  phoneNumber?: string;
}

/** the body of POST /v1/customers/{customerTenantId}/agreements. */
export class AttestAgreementDto {
  @ApiProperty({ type: PrimaryContactDto })
  @ValidateNested()
  @Type(() => PrimaryContactDto)
  @IsNotEmpty()
  primaryContact: PrimaryContactDto;

  @ApiProperty({
    format: 'date-time',
    description: 'UTC date-time the customer accepted; not in the future (A-02).',
  })
  @IsISO8601({ strict: true })
  dateAgreed: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  templateId: string;

  @ApiProperty({ enum: AGREEMENT_TYPES })
  @IsIn(AGREEMENT_TYPES)
  type: AgreementType;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'A-11: the real person, when userId is a designated account.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  attestedBy?: string;
}

export class AttestationResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiPropertyOptional() attestedBy?: string;
  @ApiProperty({ type: PrimaryContactDto }) primaryContact: PrimaryContactDto;
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty({ format: 'date-time' }) dateAgreed: string;
  @ApiProperty({ enum: AGREEMENT_TYPES }) type: AgreementType;
}
