import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@app/platform';
import { AttestationRefusal, EARLIEST_DATE_AGREED } from './attestation-rules';

const LIST_TEMPLATES = 'GET /v1/agreements?agreementType=MicrosoftCustomerAgreement';

/**
 * The attestation service's errors: Partner Center's number where it has one (600002), ours from
 * 610100. Each description tells the caller what to do. docs/contract.md lists them all.
 */
export const AttestationErrors = {
  dateAgreedInFuture: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      600002,
      'DateAgreedInFuture',
      'dateAgreed cannot be set to a future date. Send the UTC date and time the customer accepted the agreement.',
      { field: 'dateAgreed' },
    ),
  templateNotFound: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610101,
      'TemplateNotFound',
      'templateId names no published agreement template. List them with GET /v1/agreements.',
      { field: 'templateId' },
    ),
  templateTypeMismatch: (templateType: string) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610102,
      'TemplateTypeMismatch',
      `The template is a ${templateType}, not the agreement type given in "type". Send the type of the template, or the template of the type.`,
      { field: 'type', templateType },
    ),
  templateRetired: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610103,
      'TemplateRetired',
      `This template is retired for new attestations. Attest the Microsoft Customer Agreement instead (${LIST_TEMPLATES}).`,
      { field: 'templateId' },
    ),
  publicationPending: () =>
    new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      610104,
      'PublicationPending',
      'The change is stored but could not be confirmed as published in time; it will be published shortly. Retry with the same MS-RequestId.',
      {},
      true,
    ),
  indirectResellerCannotAttest: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610105,
      'IndirectResellerCannotAttest',
      "An indirect reseller cannot confirm a customer's acceptance. Ask your indirect provider to attest it for this customer.",
      { partnerType: 'IndirectReseller' },
    ),
  partnerInNationalCloud: (cloud: string) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610106,
      'PartnerNationalCloudNotSupported',
      `Attestation is not supported for partners in the ${cloud} national cloud; no attestation is needed there.`,
      { party: 'partner', cloud },
    ),
  customerInNationalCloud: (cloud: string) =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610107,
      'CustomerNationalCloudNotSupported',
      `Attestation is not supported for customers in the ${cloud} national cloud; their orders need no attestation.`,
      { party: 'customer', cloud },
    ),
  partnerNotRegistered: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610108,
      'PartnerNotRegistered',
      'Your partner tenant is not registered with the reseller-relationship service. Have it registered (POST /v1/partners on that service), then retry.',
      { field: 'tid' },
    ),
  customerNotFound: () =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610109,
      'CustomerNotFound',
      'No customer tenant with this id is known. Create it (POST /v1/customers on the reseller-relationship service) or check the id.',
      { field: 'customerTenantId' },
    ),
  noActiveRelationship: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610110,
      'NoActiveResellerRelationship',
      'You have no active reseller relationship with this customer. Ask the customer to accept your reseller relationship invitation (GET /v1/customers/relationshiprequests), then retry.',
      { field: 'customerTenantId' },
    ),
  requestIdReused: () =>
    new ApiError(
      HttpStatus.UNPROCESSABLE_ENTITY,
      610111,
      'RequestIdReused',
      'This MS-RequestId was already used for a different request. Send a new MS-RequestId for each new request; reuse it only to retry the same one.',
      { header: 'MS-RequestId' },
    ),
  nothingToWithdraw: () =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610112,
      'NoAttestationToWithdraw',
      'You hold no current attestation of this agreement type for this customer. List yours with GET /v1/customers/{customerTenantId}/agreements.',
      { field: 'type' },
    ),
  templateAlreadyPublished: () =>
    new ApiError(
      HttpStatus.CONFLICT,
      610113,
      'TemplateAlreadyPublished',
      'A different template was already published with this templateId. Publish a new version under a new templateId.',
      { field: 'templateId' },
    ),
  versionRankTaken: () =>
    new ApiError(
      HttpStatus.CONFLICT,
      610114,
      'TemplateVersionRankTaken',
      'This agreement type already has a template with this versionRank. Give the new version a higher versionRank (GET /v1/agreements lists them).',
      { field: 'versionRank' },
    ),
  invalidContinuationToken: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610115,
      'InvalidContinuationToken',
      'continuationToken is not one this service issued. Send it exactly as received, or omit it to start from the first page.',
      { field: 'continuationToken' },
    ),
  invalidAgreementType: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610116,
      'InvalidAgreementType',
      'agreementType must be MicrosoftCustomerAgreement, MicrosoftCloudAgreement or * (every type); omit it for every type.',
      { field: 'agreementType' },
    ),
  invalidLanguage: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610117,
      'InvalidLanguage',
      'language must be an ISO 639-1 code, optionally with an ISO 3166-1 region (e.g. "en" or "en-US").',
      { field: 'language' },
    ),
  invalidCountry: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610118,
      'InvalidCountry',
      'country must be an ISO 3166-1 alpha-2 code (e.g. "US").',
      { field: 'country' },
    ),
  dateAgreedTooEarly: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610119,
      'DateAgreedTooEarly',
      `dateAgreed is before ${EARLIEST_DATE_AGREED.toISOString()}, earlier than any agreement template. Send the UTC date and time the customer accepted.`,
      { field: 'dateAgreed' },
    ),
  invalidPageSize: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610120,
      'InvalidPageSize',
      'size must be a whole number from 1 to 500; omit it for pages of 100.',
      { field: 'size' },
    ),
  relationshipFactsPending: (retryAfterSeconds: number) =>
    new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      610122,
      'RelationshipFactsPending',
      `This service has not yet read every partner and customer fact published before your request, so it cannot tell yet whether the customer exists and is related to you (A-17). Nothing was recorded. Retry in ${retryAfterSeconds} s, with the same MS-RequestId.`,
      { retryAfterSeconds: String(retryAfterSeconds) },
      true,
    ),
  templateNotFoundById: () =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610121,
      'TemplateNotFound',
      'No agreement template has this templateId. List them with GET /v1/agreements.',
      { field: 'templateId' },
    ),
};

export function refusalError(refusal: AttestationRefusal): ApiError {
  switch (refusal.reason) {
    case 'DateAgreedInFuture':
      return AttestationErrors.dateAgreedInFuture();
    case 'DateAgreedTooEarly':
      return AttestationErrors.dateAgreedTooEarly();
    case 'TemplateNotFound':
      return AttestationErrors.templateNotFound();
    case 'TemplateTypeMismatch':
      return AttestationErrors.templateTypeMismatch(refusal.templateType);
    case 'TemplateRetired':
      return AttestationErrors.templateRetired();
    case 'IndirectResellerCannotAttest':
      return AttestationErrors.indirectResellerCannotAttest();
    case 'PartnerInNationalCloud':
      return AttestationErrors.partnerInNationalCloud(refusal.cloud);
    case 'CustomerInNationalCloud':
      return AttestationErrors.customerInNationalCloud(refusal.cloud);
    case 'PartnerNotRegistered':
      return AttestationErrors.partnerNotRegistered();
    case 'CustomerNotFound':
      return AttestationErrors.customerNotFound();
    case 'NoActiveRelationship':
      return AttestationErrors.noActiveRelationship();
  }
}
