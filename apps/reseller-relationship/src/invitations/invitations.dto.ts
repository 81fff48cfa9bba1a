import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsISO31661Alpha2,
  IsOptional,
  IsUUID,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Cloud, CLOUDS } from '@app/contracts';
import { CustomerAgreementDto, SignerDto } from '../direct-acceptance/direct-acceptance.dto';

export class RelationshipRequestAttributesDto {
  @ApiProperty({ enum: ['RelationshipRequest'] }) objectType: 'RelationshipRequest';
}

export class RelationshipRequestDto {
  @ApiProperty({ description: 'The invitation URL to send to the customer by your own means.' })
  url: string;

  @ApiProperty({ description: 'The signed, single-use token inside the URL.' })
  token: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ format: 'uuid' })
  invitationId: string;

  @ApiProperty({ type: RelationshipRequestAttributesDto })
  attributes: RelationshipRequestAttributesDto;
}

/** D-03: the body of POST /v1/invitations/{token}/accept. */
export class AcceptInvitationDto {
  @ApiProperty({ description: 'Also accept the Microsoft Customer Agreement, in the same step.' })
  @IsBoolean()
  acceptCustomerAgreement: boolean;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The Customer Agreement template accepted; the newest one when not given.',
  })
  @IsOptional()
  @IsUUID('all')
  templateId?: string;

  @ApiPropertyOptional({ type: SignerDto, description: 'Required when acceptCustomerAgreement is true.' })
  @ValidateIf(
    (body: AcceptInvitationDto) => body.acceptCustomerAgreement === true || body.signer !== undefined,
  )
  @IsDefined({ message: 'signer is required when acceptCustomerAgreement is true' })
  @ValidateNested()
  @Type(() => SignerDto)
  signer?: SignerDto;

  @ApiPropertyOptional({
    enum: CLOUDS,
    description:
      "Never decides anything (S-01): a tenant known here keeps its recorded cloud (another is refused, 422, 610211); a new tenant takes the inviting partner's registered cloud (another is refused, 400, 610218).",
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

export class InvitationAcceptanceDto {
  @ApiProperty({ format: 'uuid' }) invitationId: string;
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({ format: 'date-time' }) acceptedAt: string;
  @ApiProperty({ enum: CLOUDS }) cloud: Cloud;
  @ApiProperty({ example: 'US' }) country: string;
  @ApiPropertyOptional({ type: CustomerAgreementDto }) customerAgreement?: CustomerAgreementDto;
}
