const AS_OF = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * G-13: the instant an at-risk report's `asOf` names: an ISO 8601 date-time with its zone, or a date (its
 * midnight UTC), in the years 2000..2999; undefined for anything else, an impossible calendar date included.
 */
export function parseAsOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = AS_OF.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 2000 || year > 2999) return undefined;
  // Date rolls an impossible calendar date over (2026-02-30 would be 2026-03-02): refuse it instead.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const at = new Date(match[4] ? value : `${value}T00:00:00Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
