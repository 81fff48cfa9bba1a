/**
 * Our error numbers. Partner Center's own numbers (600xxx) are kept where it has one; ours start at
 * 610000. The platform owns 610000..610099; each service numbers its own from 610100 upward.
 */
export const ErrorCodes = {
  InternalError: 610000,
  InvalidRequestBody: 610001,
  Unauthorized: 610002,
  Forbidden: 610003,
  // S-03: only partners the operator registered act as partners. S-09: per-partner rate limits.
  PartnerNotRegistered: 610030,
  PartnerRegistrationNotYetKnown: 610031,
  RateLimitExceeded: 610032,
  NotFound: 610004,
  MalformedJson: 610005,
  PayloadTooLarge: 610006,
  InvalidHeader: 610007,
  BadRequest: 610008,
  Conflict: 610009,
  UnsupportedMediaType: 610010,
  UnprocessableEntity: 610011,
  TooManyRequests: 610012,
  ServiceUnavailable: 610013,
  MethodNotAllowed: 610014,
  NotAcceptable: 610015,
  // S-07: input the database cannot take, refused at the edge or when PostgreSQL refuses it.
  InvalidCharacters: 610040,
  InputTooDeep: 610041,
  UnacceptableValue: 610042,
} as const;

export type PlatformErrorName = keyof typeof ErrorCodes;

/** The first number a service may use for its own errors. */
export const FIRST_SERVICE_ERROR_CODE = 610100;
