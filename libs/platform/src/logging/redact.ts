/** Keys whose values are personal data: never logged. Compared case-insensitively, at any depth. */
export const REDACTED_KEYS: readonly string[] = [
  'email',
  'phoneNumber',
  'firstName',
  'lastName',
  'primaryContact',
  'signer',
  'attestedBy',
];

/** Keys that name contact data in any spelling (`signatoryEmail`, `contactPhone`, `first_name`). */
const PERSONAL_KEY = /e-?mail|phone|first_?name|last_?name|signatory/i;

/** An email address inside free text: a database message quoting a value, an error's message. */
const EMAIL_IN_TEXT = /[^\s@"'`<>()[\]{},;:\\]+@[^\s@"'`<>()[\]{},;:\\]+\.[A-Za-z]{2,}/g;

export const REDACTED = '[REDACTED]';

/**
 * An enhanced attestation's acceptance link carries its secret in the path: `/acceptance/<token>`. The
 * stylesheet (`/acceptance/assets/…`) and the route pattern (`/acceptance/:token`) are not secrets.
 */
const ACCEPTANCE_LINK_SECRET = /(\/acceptance\/)(?!assets\/|:)[^/?#\s"'`<>]+/g;

/** Text with email addresses and acceptance-link secrets masked. */
function redactText(value: string): string {
  const masked = value.includes('/acceptance/')
    ? value.replace(ACCEPTANCE_LINK_SECRET, `$1${REDACTED}`)
    : value;
  return masked.includes('@') ? masked.replace(EMAIL_IN_TEXT, REDACTED) : masked;
}

const redactedKeys = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));

function isPersonalKey(key: string): boolean {
  return redactedKeys.has(key.toLowerCase()) || PERSONAL_KEY.test(key);
}

/**
 * A copy of `value` with every property named in `REDACTED_KEYS` (or like them) masked, however
 * deep, and email addresses and acceptance-link secrets (`/acceptance/<token>`) inside strings masked. Plain objects and arrays are copied; other
 * values (dates, errors, buffers) are kept as they are.
 */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakMap()) as T;
}

function redactValue(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  const copied = seen.get(value);
  if (copied !== undefined) return copied;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(redactValue(item, seen));
    return copy;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && !isDataObject(value)) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isPersonalKey(key) ? REDACTED : redactValue(item, seen);
  }
  return copy;
}

/** An instance of a class of ours (a DTO, an event): its own properties are data like a plain object's. */
function isDataObject(value: object): boolean {
  return !(
    value instanceof Date ||
    value instanceof Error ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer
  );
}
