/** Keys whose values are personal data: never logged. Compared case-insensitively, at any depth. */
export const REDACTED_KEYS: readonly string[] = [
  'email',
  'phoneNumber',
  'firstName',
  'lastName',
  'primaryContact',
  'signer',
];

export const REDACTED = '[REDACTED]';

const redactedKeys = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));

/**
 * A copy of `value` with every property named in `REDACTED_KEYS` masked, however deep. Plain
 * objects and arrays are copied; other values (dates, errors, buffers) are kept as they are.
 */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakMap()) as T;
}

function redactValue(value: unknown, seen: WeakMap<object, unknown>): unknown {
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
    copy[key] = redactedKeys.has(key.toLowerCase()) ? REDACTED : redactValue(item, seen);
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
