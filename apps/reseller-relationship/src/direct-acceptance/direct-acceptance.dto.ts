import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { Cloud, CLOUDS, IsDateTime } from '@app/contracts';
import { IsWellFormedEmail } from '@app/platform';

/** The person who accepts for the customer; stored, never notified, never logged. */
export class SignerDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  firstName: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  lastName: string;

  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsWellFormedEmail()
  @Length(3, 254)
  email: string;
}

/** D-04: the body of POST /v1/customers/{customerTenantId}/agreements/direct. */
export class AcceptAgreementDirectlyDto {
  @ApiProperty({ format: 'uuid', description: 'A Microsoft Customer Agreement template.' })
  @IsUUID('all')
  templateId: string;

  @ApiProperty({ format: 'date-time', description: 'When the customer accepted; not in the future.' })
  @IsDateTime()
  dateAgreed: string;

  @ApiProperty({ type: SignerDto })
  @ValidateNested()
  @Type(() => SignerDto)
  @IsNotEmpty()
  signer: SignerDto;

  @ApiPropertyOptional({
    enum: CLOUDS,
    description:
      'Never decides anything (S-01): a tenant known here keeps its recorded cloud (another is refused, 422, 610211); a tenant not known yet is in the Public cloud, the only one with direct acceptance (another is refused, 422, 610215).',
  })
  @IsOptional()
  @IsIn(CLOUDS)
  cloud?: Cloud;

  @ApiPropertyOptional({
    example: 'US',
    description:
      'ISO 3166-1 alpha-2. Required for a tenant not known here; else it must agree with the record.',
  })
  @IsOptional()
  @IsISO31661Alpha2()
  country?: string;
}

export class CustomerAgreementDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({ enum: ['MicrosoftCustomerAgreement'] }) agreementType: 'MicrosoftCustomerAgreement';
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty({ format: 'date-time' }) dateAgreed: string;
  @ApiProperty({ type: SignerDto }) signer: SignerDto;
  @ApiPropertyOptional({ format: 'uuid', description: 'The partner whose invitation it came through.' })
  viaPartnerId?: string;
}

export class DirectSignedStatusDto {
  @ApiProperty({ description: 'The customer accepted the Microsoft Customer Agreement directly.' })
  isSigned: boolean;
}
