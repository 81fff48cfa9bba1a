import { Cloud } from '@app/contracts';

export interface CustomerProfile {
  cloud: Cloud;
  /** ISO 3166-1 alpha-2, upper-case. */
  country: string;
}

export type ProfileRejection =
  | { kind: 'Missing'; fields: Array<'country'> }
  | { kind: 'Mismatch'; field: 'cloud' | 'country' }
  | { kind: 'CloudDiffers'; given: Cloud; decided: Cloud }
  | { kind: 'CloudUndecided' };

export type ProfileResolution =
  { ok: true; profile: CustomerProfile; isNew: boolean } | { ok: false; rejection: ProfileRejection };

/**
 * The cloud and country of a customer tenant that acts itself (D-03, D-04). A tenant we know keeps
 * what we recorded, whatever it sends (S-01: what it sends must agree, and never changes the record).
 * A tenant we do not know yet must say its country, and is in `newTenantCloud`, the cloud this
 * system decides for it (the inviting partner's registered cloud, S-01): a `cloud` it sends must be
 * that one. `newTenantCloud` undefined: nobody can decide it (the inviting partner is not registered).
 */
export function resolveCustomerProfile(
  known: CustomerProfile | undefined,
  given: { cloud?: Cloud; country?: string },
  newTenantCloud: Cloud | undefined,
): ProfileResolution {
  const country = given.country?.toUpperCase();
  if (known) {
    if (given.cloud !== undefined && given.cloud !== known.cloud)
      return { ok: false, rejection: { kind: 'Mismatch', field: 'cloud' } };
    if (country !== undefined && country !== known.country)
      return { ok: false, rejection: { kind: 'Mismatch', field: 'country' } };
    return { ok: true, profile: known, isNew: false };
  }
  if (newTenantCloud === undefined) return { ok: false, rejection: { kind: 'CloudUndecided' } };
  if (given.cloud !== undefined && given.cloud !== newTenantCloud)
    return { ok: false, rejection: { kind: 'CloudDiffers', given: given.cloud, decided: newTenantCloud } };
  if (country === undefined) return { ok: false, rejection: { kind: 'Missing', fields: ['country'] } };
  return { ok: true, profile: { cloud: newTenantCloud, country }, isNew: true };
}
