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
import { Cloud, CLOUDS } from '@app/contracts';
import { IsWellFormedEmail } from '@app/platform';

export class CompanyProfileDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  companyName: string;
}

/** Stored with the customer; never notified, never logged. */
export class PrimaryContactDto {
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

  @ApiPropertyOptional({ maxLength: 32 })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  phoneNumber?: string;
}

/** D-01: the body of POST /v1/customers. */
export class CreateCustomerDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The customer tenant id; generated when not given.',
  })
  @IsOptional()
  @IsUUID('all')
  id?: string;

  @ApiProperty({ type: CompanyProfileDto })
  @ValidateNested()
  @Type(() => CompanyProfileDto)
  @IsNotEmpty()
  companyProfile: CompanyProfileDto;

  @ApiProperty({ type: PrimaryContactDto })
  @ValidateNested()
  @Type(() => PrimaryContactDto)
  @IsNotEmpty()
  primaryContact: PrimaryContactDto;

  @ApiProperty({ enum: CLOUDS })
  @IsIn(CLOUDS)
  cloud: Cloud;

  @ApiProperty({ example: 'US', description: 'ISO 3166-1 alpha-2.' })
  @IsISO31661Alpha2()
  country: string;
}

export class CustomerDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: CompanyProfileDto }) companyProfile: CompanyProfileDto;
  @ApiProperty({ type: PrimaryContactDto }) primaryContact: PrimaryContactDto;
  @ApiProperty({ enum: CLOUDS }) cloud: Cloud;
  @ApiProperty({ example: 'US' }) country: string;
  @ApiProperty({ format: 'uuid', description: 'The partner that created the customer.' }) partnerId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class TerminateRelationshipQueryDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'Why; "TerminatedByPartner" when not given.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  reason?: string;
}

export class RelationshipTerminationDto {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({ format: 'date-time' }) terminatedAt: string;
  @ApiProperty() reason: string;
}
