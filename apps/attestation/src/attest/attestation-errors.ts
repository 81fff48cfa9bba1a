import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@app/platform';

/** The attestation service's errors: Partner Center's number where it has one, ours from 610100. */
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
      'This template is retired for new attestations. Attest the Microsoft Customer Agreement instead (GET /v1/agreements?agreementType=MicrosoftCustomerAgreement).',
      { field: 'templateId' },
    ),
  publicationPending: () =>
    new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      610104,
      'PublicationPending',
      'The attestation is stored but could not be confirmed as published in time; it will be published shortly. Retry with the same MS-RequestId.',
      {},
      true,
    ),
};
