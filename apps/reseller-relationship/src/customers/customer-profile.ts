import { Cloud } from '@app/contracts';

export interface CustomerProfile {
  cloud: Cloud;
  /** ISO 3166-1 alpha-2, upper-case. */
  country: string;
}

export type ProfileResolution =
  | { ok: true; profile: CustomerProfile; isNew: boolean }
  | { ok: false; rejection: { kind: 'Missing'; fields: Array<'cloud' | 'country'> } }
  | { ok: false; rejection: { kind: 'Mismatch'; field: 'cloud' | 'country' } };

/**
 * The cloud and country of a customer tenant that acts itself (D-03, D-04). A tenant we know keeps
 * what we recorded (what the customer sends must agree with it); a tenant we do not know yet must say
 * both, and is recorded with them.
 */
export function resolveCustomerProfile(
  known: CustomerProfile | undefined,
  given: { cloud?: Cloud; country?: string },
): ProfileResolution {
  const country = given.country?.toUpperCase();
  if (known) {
    if (given.cloud !== undefined && given.cloud !== known.cloud)
      return { ok: false, rejection: { kind: 'Mismatch', field: 'cloud' } };
    if (country !== undefined && country !== known.country)
      return { ok: false, rejection: { kind: 'Mismatch', field: 'country' } };
    return { ok: true, profile: known, isNew: false };
  }
  const missing = (['cloud', 'country'] as const).filter((field) => given[field] === undefined);
  if (missing.length > 0) return { ok: false, rejection: { kind: 'Missing', fields: [...missing] } };
  return { ok: true, profile: { cloud: given.cloud!, country: country! }, isNew: true };
}
