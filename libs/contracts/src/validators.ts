import { isISO8601, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * A GUID as the contract writes it: lower-case hex, 8-4-4-4-12, any version. Microsoft's own ids are not all
 * version-4 UUIDs, so the version and variant nibbles are not checked; the case is, because customer tenant
 * ids are message keys and one customer must map to one key.
 */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

export function IsGuid(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isGuid',
      validator: {
        validate: (value) => isGuid(value),
        defaultMessage: () => '$property must be a UUID (a lower-case GUID)',
      },
    },
    options,
  );
}

/* A date alone, or a time without a zone, is ambiguous for rules that turn on an instant (G-09), so the
 * contract's date-times always carry a time and a zone (`Z` or an offset). */
const DATE_TIME_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function isDateTime(value: unknown): value is string {
  return typeof value === 'string' && DATE_TIME_SHAPE.test(value) && isISO8601(value, { strict: true });
}

export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateTime',
      validator: {
        validate: (value) => isDateTime(value),
        defaultMessage: () =>
          '$property must be an ISO-8601 date-time with a time zone, e.g. 2026-11-21T10:00:00.000Z',
      },
    },
    options,
  );
}

/** A BCP 47 language tag as Partner Center takes it: `en`, `en-US`, `ja-JP`, `zh-Hans-CN` (at most 35 characters). */
export const LANGUAGE_TAG_PATTERN = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}$/;

export function isLanguageTag(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 35 && LANGUAGE_TAG_PATTERN.test(value);
}

export function IsLanguageTag(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLanguageTag',
      validator: {
        validate: (value) => isLanguageTag(value),
        defaultMessage: () => '$property must be a language tag such as en, en-US, ja-JP or zh-Hans',
      },
    },
    options,
  );
}

/** A SHA-256 digest in lower-case hex (64 characters). */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

export function IsSha256Hex(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSha256Hex',
      validator: {
        validate: (value) => typeof value === 'string' && SHA256_HEX_PATTERN.test(value),
        defaultMessage: () => '$property must be a SHA-256 digest in lower-case hex (64 characters)',
      },
    },
    options,
  );
}
