import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Length } from 'class-validator';
import { Cloud, CLOUDS, PARTNER_TYPES, PartnerType } from '@app/contracts';

export class RegisterPartnerDto {
  @ApiProperty({ format: 'uuid', description: "The partner's tenant id, as in its tokens' tid." })
  @IsUUID('all')
  id: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: PARTNER_TYPES })
  @IsIn(PARTNER_TYPES)
  partnerType: PartnerType;

  @ApiProperty({ enum: CLOUDS })
  @IsIn(CLOUDS)
  cloud: Cloud;
}

export class PartnerDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: PARTNER_TYPES }) partnerType: PartnerType;
  @ApiProperty({ enum: CLOUDS }) cloud: Cloud;
  @ApiProperty({ format: 'date-time' }) registeredAt: string;
}

export class LinkIndirectResellerDto {
  @ApiProperty({ format: 'uuid', description: 'A partner registered as IndirectReseller.' })
  @IsUUID('all')
  resellerPartnerId: string;
}

export class IndirectResellerLinkDto {
  @ApiProperty({ format: 'uuid' }) providerPartnerId: string;
  @ApiProperty({ format: 'uuid' }) resellerPartnerId: string;
  @ApiProperty({ format: 'date-time' }) linkedAt: string;
}
