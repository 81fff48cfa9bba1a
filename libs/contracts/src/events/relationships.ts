import { IsIn, IsISO31661Alpha2, IsNotEmpty, IsString } from 'class-validator';
import { Cloud, CLOUDS, PARTNER_TYPES, PartnerType } from '../enums';
import { IsDateTime, IsGuid } from '../validators';

export class PartnerRegisteredV1 {
  /** The partner's tenant id, as in its tokens' `tid`. */
  @IsGuid()
  partnerId: string;

  @IsIn(PARTNER_TYPES)
  partnerType: PartnerType;

  @IsIn(CLOUDS)
  cloud: Cloud;

  @IsString()
  @IsNotEmpty()
  name: string;
}

export class CustomerTenantCreatedV1 {
  @IsGuid()
  customerTenantId: string;

  /** The partner that created the customer, and so holds a relationship with it (D-01). */
  @IsGuid()
  partnerId: string;

  @IsString()
  @IsNotEmpty()
  companyName: string;

  @IsIn(CLOUDS)
  cloud: Cloud;

  /** ISO 3166-1 alpha-2, e.g. `US`. */
  @IsISO31661Alpha2()
  country: string;
}

export class ResellerRelationshipRequestedV1 {
  /** The invitation's id; never its secret token, which must not reach the log. */
  @IsGuid()
  invitationId: string;

  @IsGuid()
  partnerId: string;

  @IsDateTime()
  expiresAt: string;
}

export class ResellerRelationshipAcceptedV1 {
  @IsGuid()
  invitationId: string;

  @IsGuid()
  partnerId: string;

  @IsGuid()
  customerTenantId: string;

  @IsDateTime()
  acceptedAt: string;

  /** The customer tenant's cloud. */
  @IsIn(CLOUDS)
  cloud: Cloud;

  /** The customer tenant's country, ISO 3166-1 alpha-2. */
  @IsISO31661Alpha2()
  country: string;
}

export class ResellerRelationshipTerminatedV1 {
  @IsGuid()
  partnerId: string;

  @IsGuid()
  customerTenantId: string;

  @IsDateTime()
  terminatedAt: string;

  @IsString()
  @IsNotEmpty()
  reason: string;
}

export class IndirectResellerLinkedV1 {
  @IsGuid()
  providerPartnerId: string;

  @IsGuid()
  resellerPartnerId: string;

  @IsDateTime()
  linkedAt: string;
}
