import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Length, Max, Min } from 'class-validator';
import { AGREEMENT_TYPES, AgreementType } from '@app/contracts';
import { IsHttpsUrl } from '@app/platform';

/** The body of POST /v1/agreements: one new version of an agreement type (PlatformAdmin). */
export class PublishTemplateDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Generated when omitted.' })
  @IsOptional()
  @IsUUID('all')
  templateId?: string;

  @ApiProperty({ enum: AGREEMENT_TYPES })
  @IsIn(AGREEMENT_TYPES)
  agreementType: AgreementType;

  @ApiProperty({
    minimum: 0,
    maximum: 1000000,
    description: 'Higher is newer, within one agreement type; unique per type.',
  })
  @IsInt()
  @Min(0)
  @Max(1000000)
  versionRank: number;

  @ApiProperty({ format: 'uri', maxLength: 2000, example: 'https://aka.ms/customeragreement' })
  @IsHttpsUrl()
  @Length(1, 2000)
  agreementLink: string;
}

export class TemplateDto {
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty({ enum: AGREEMENT_TYPES }) agreementType: AgreementType;
  @ApiProperty() agreementLink: string;
  @ApiProperty() versionRank: number;
  @ApiPropertyOptional({ format: 'date-time' }) publishedAt?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'From then on, refused for new attestations (T-06).',
  })
  retiredFrom?: string;
}

class CollectionAttributes {
  @ApiProperty({ example: 'Collection' }) objectType: 'Collection';
}

export class TemplateCollectionDto {
  @ApiProperty() totalCount: number;
  @ApiProperty({ type: [TemplateDto] }) items: TemplateDto[];
  @ApiProperty({ type: CollectionAttributes }) attributes: CollectionAttributes;
}

export class TemplateDocumentDto {
  @ApiProperty({ format: 'uri', example: 'https://aka.ms/customeragreement?lang=fr-CA&country=CA' })
  displayUri: string;
  @ApiProperty({
    format: 'uri',
    example: 'https://aka.ms/customeragreement?lang=fr-CA&country=CA&format=pdf',
  })
  downloadUri: string;
  @ApiProperty({ example: 'fr-CA' }) language: string;
  @ApiProperty({ example: 'CA' }) country: string;
}
