import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@app/platform';

/** The order gate's errors, 610300..610399 (Partner Center's shape); each says what to do. */
export const GateErrors = {
  partnerMismatch: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610301,
      'PrecheckPartnerMismatch',
      'partnerId must be your own partner tenant id (the tid of your token): a partner can pre-check only its own orders.',
      { field: 'partnerId' },
    ),
  invalidCustomerTenantId: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610302,
      'InvalidCustomerTenantId',
      'customerTenantId must be a customer tenant GUID, e.g. 4f2a1b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c.',
      { field: 'customerTenantId' },
    ),
  invalidContinuationToken: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610303,
      'InvalidContinuationToken',
      'continuationToken must be the value a previous page of GET /v1/compliance/at-risk returned; omit it for the first page.',
      { field: 'continuationToken' },
    ),
  invalidAsOf: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610305,
      'InvalidAsOf',
      "asOf must be an ISO 8601 UTC date-time (e.g. 2026-01-05T00:00:00Z) or date (2026-01-05) between 2000 and 2999: the instant at which to judge each customer's next order; omit it for now. GET /v1/policy names the next entry and its date.",
      { field: 'asOf' },
    ),
  factsNotCaughtUp: (retryAfterSeconds: number) =>
    new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      610304,
      'FactsNotCaughtUp',
      `The gate has not yet read every acceptance and relationship fact acknowledged before this request, so it cannot be sure of its answer (G-11). Retry in ${retryAfterSeconds} s.`,
      {},
      true,
    ),
};
