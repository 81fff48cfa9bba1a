import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@app/platform';

/** The audit service's errors: Partner Center's shape, numbered 610400..610499. */
export const AuditErrors = {
  invalidCursor: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610400,
      'InvalidCursor',
      'cursor is not one this service issued. Send the continuationToken of the previous page unchanged, or omit it to start from the beginning.',
      { field: 'cursor' },
    ),
  invalidFilter: (field: string, expected: string) =>
    new ApiError(HttpStatus.BAD_REQUEST, 610401, 'InvalidFilter', `${field} must be ${expected}.`, { field }),
  invalidTimeRange: (field: string, problem: string) =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610402,
      'InvalidTimeRange',
      `${problem} Send from and to as ISO-8601 date-times (e.g. 2026-11-21T10:00:00Z), from not after to.`,
      { field },
    ),
  unsupportedExportFormat: () =>
    new ApiError(HttpStatus.BAD_REQUEST, 610403, 'UnsupportedExportFormat', 'format must be ndjson or csv.', {
      field: 'format',
    }),
  otherPartner: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      610404,
      'OtherPartnerForbidden',
      "A partner reads only its own partner's events: omit partnerId or send your own tenant id. The Auditor role reads across partners.",
      { field: 'partnerId' },
    ),
  orderNotFound: (orderId: string) =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610405,
      'OrderNotFound',
      'The log holds no request or decision for this order that you may read. Check the orderId; a partner sees only its own orders.',
      { orderId },
    ),
  checkpointNotFound: () =>
    new ApiError(
      HttpStatus.NOT_FOUND,
      610406,
      'CheckpointNotFound',
      'No checkpoint signed with the configured key is stored yet. The service signs one when it starts.',
    ),
  invalidCheckpoint: () =>
    new ApiError(
      HttpStatus.BAD_REQUEST,
      610407,
      'InvalidCheckpoint',
      "The checkpoint must have sequence, hash, at, keyId and signature exactly as GET /v1/audit/checkpoints/latest gave them, signed with this service's key.",
      { field: 'signature' },
    ),
};
