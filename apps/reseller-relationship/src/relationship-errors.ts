import { HttpStatus } from '@nestjs/common';
import { Cloud } from '@app/contracts';
import { ApiError } from '@app/platform';

/**
 * The reseller-relationship service's errors: Partner Center's number where it has one (600002),
 * ours from 610200 to 610299.
 */
export const RelationshipErrors = {
  publicationPending: () =>
    new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      610200,
      'PublicationPending',
      'The change is stored but could not be confirmed as published in time; it will be published shortly. Retrying the same request is safe.',
      {},
      true,
    ),
  partnerAlreadyRegistered: () =>
    new ApiError(
      HttpStatus.CONFLICT,
      610202,
      'PartnerAlreadyRegistered',
      'A partner with this id is already registered with another name, type or cloud. Registration is not changed by re-registering.',
      { field: 'id' },
    ),
  notAnIndirectProvider: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610203,
      'NotAnIndirectProvider',
      'Only a partner registered as an IndirectProvider can link indirect resellers (D-07). Ask the platform administrator to register your tenant as one.',
    ),
  resellerNotRegistered: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610204,
      'ResellerNotRegistered',
      'resellerPartnerId names no registered partner. The reseller must be registered (POST /v1/partners) before it can be linked.',
      { field: 'resellerPartnerId' },
    ),
  notAnIndirectReseller: (partnerType: string) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610205,
      'NotAnIndirectReseller',
      `resellerPartnerId names a ${partnerType} partner; only an IndirectReseller can be linked to an indirect provider.`,
      { field: 'resellerPartnerId', partnerType },
    ),
  invitationTokenInvalid: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610206,
      'InvitationTokenInvalid',
      'This invitation link is not valid: it was altered or not issued by us. Ask the partner for a new invitation link.',
      { field: 'token' },
    ),
  invitationExpired: (expiresAt: Date) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610207,
      'InvitationExpired',
      'This invitation link has expired. Ask the partner for a new invitation link.',
      { field: 'token', expiresAt: expiresAt.toISOString() },
    ),
  invitationAlreadyUsed: () =>
    new ApiError(
      HttpStatus.CONFLICT,
      610208,
      'InvitationAlreadyUsed',
      'This invitation link has already been used by another customer; each link is for one customer. Ask the partner for a new invitation link.',
      { field: 'token' },
    ),
  invitationNotFound: () =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610209,
      'InvitationNotFound',
      'No such invitation exists. Ask the partner for a new invitation link.',
      { field: 'token' },
    ),
  customerProfileRequired: (missing: readonly string[]) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610210,
      'CustomerProfileRequired',
      `This customer tenant is not known here yet: send its ${missing.join(' and ')} with the request.`,
      { fields: missing.join(',') },
    ),
  customerProfileMismatch: (field: 'cloud' | 'country') =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610211,
      'CustomerProfileMismatch',
      `The ${field} given differs from the one recorded for this customer tenant. Omit it, or send the recorded value.`,
      { field },
    ),
  customerTenantMismatch: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610212,
      'CustomerTenantMismatch',
      'A customer can accept only for its own tenant: the customerTenantId in the path must equal the tid of your token.',
      { field: 'customerTenantId' },
    ),
  templateNotFound: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610213,
      'TemplateNotFound',
      'templateId names no published agreement template. The Microsoft Customer Agreement templates are listed by GET /v1/agreements?agreementType=MicrosoftCustomerAgreement on the attestation service.',
      { field: 'templateId' },
    ),
  directAcceptanceOnlyForCustomerAgreement: (agreementType: string) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610214,
      'DirectAcceptanceOnlyForCustomerAgreement',
      `The template is a ${agreementType}: a customer can accept only the Microsoft Customer Agreement directly (D-04). Send a MicrosoftCustomerAgreement templateId.`,
      { field: 'templateId', agreementType },
    ),
  nationalCloudNotSupported: (cloud: string) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610215,
      'NationalCloudNotSupported',
      `Direct acceptance of the Microsoft Customer Agreement is not supported for customers in the ${cloud} cloud (A-07); orders there are exempt from the acceptance requirement.`,
      { field: 'cloud', cloud },
    ),
  noActiveRelationship: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610216,
      'NoActiveRelationship',
      'You have no active reseller relationship with this customer. Create the customer (POST /v1/customers) or ask it for a relationship (GET /v1/customers/relationshiprequests).',
      { field: 'customerTenantId' },
    ),
  customerIdAssignedBySystem: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610217,
      'CustomerIdNotAccepted',
      'Customer ids are assigned by the system; to work with an existing tenant send it an invitation (GET /v1/customers/relationshiprequests). Send the body without "id": the new customer\'s id is in the answer.',
      { field: 'id' },
    ),
  cloudDiffersFromPartner: (partnerCloud: Cloud, party: 'your' | "the inviting partner's") =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610218,
      'CloudDiffersFromPartner',
      `A new customer tenant is in ${party} registered cloud, ${partnerCloud} (S-01): "cloud" cannot name another. Omit it, or send ${partnerCloud}.`,
      { field: 'cloud', partnerCloud },
    ),
  partnerNotRegistered: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610219,
      'PartnerNotRegistered',
      'Your partner tenant is not registered, so the cloud of a customer you create cannot be decided. Ask the platform administrator to register it (POST /v1/partners), then retry.',
      { field: 'tid' },
    ),
  requestIdReused: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610220,
      'RequestIdReused',
      'This MS-RequestId was already used for a different customer. Send a new MS-RequestId for each new customer; reuse it only to retry the same request.',
      { header: 'MS-RequestId' },
    ),
  invitingPartnerNotRegistered: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610221,
      'InvitingPartnerNotRegistered',
      'The partner that sent this invitation is not registered, so the cloud of your tenant cannot be decided. Ask the partner for a new invitation once it is registered.',
      { field: 'token' },
    ),
  dateAgreedInFuture: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      600002,
      'DateAgreedInFuture',
      'dateAgreed cannot be set to a future date. Send the UTC date and time the customer accepted the agreement.',
      { field: 'dateAgreed' },
    ),
};
