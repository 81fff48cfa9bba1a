import { EntityManager } from 'typeorm';
import { Cloud } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { RelationshipErrors } from '../relationship-errors';
import { CustomerProfile, ProfileRejection, resolveCustomerProfile } from './customer-profile';

/**
 * How a customer tenant comes to act itself, which decides the cloud of a tenant not known yet (S-01):
 * through a partner's invitation it takes that partner's registered cloud (undefined when the
 * partner is not registered); alone (a direct acceptance, D-04) it is in the public cloud, the only
 * one where a customer accepts the agreement directly.
 */
export type TenantArrival = { via: 'invitation'; partnerCloud: Cloud | undefined } | { via: 'direct' };

/**
 * The customer tenant acting itself (invitation or direct acceptance), locked for the rest of the
 * transaction. A tenant not known yet is recorded with the country it gives and the cloud its
 * arrival decides; a known one keeps its cloud and country.
 */
export async function lockCustomerTenant(
  manager: EntityManager,
  schema: string,
  customerTenantId: string,
  given: { cloud?: Cloud; country?: string },
  arrival: TenantArrival,
): Promise<CustomerProfile> {
  const known = await selectForUpdate(manager, schema, customerTenantId);
  const newTenantCloud = arrival.via === 'direct' ? 'Public' : arrival.partnerCloud;
  const resolution = resolveCustomerProfile(known, given, newTenantCloud);
  if (!resolution.ok) throw profileError(resolution.rejection, arrival);
  if (resolution.isNew) {
    const { cloud, country } = resolution.profile;
    await runSql(
      manager,
      sql`INSERT INTO ${table(schema, 'customers')} (id, cloud, country)
          VALUES (${customerTenantId}, ${cloud}, ${country}) ON CONFLICT (id) DO NOTHING`,
    );
    // Another request may have recorded it meanwhile: what is recorded wins, and must agree.
    return lockCustomerTenant(manager, schema, customerTenantId, resolution.profile, arrival);
  }
  return resolution.profile;
}

function profileError(rejection: ProfileRejection, arrival: TenantArrival) {
  switch (rejection.kind) {
    case 'Missing':
      return RelationshipErrors.customerProfileRequired(rejection.fields);
    case 'Mismatch':
      return RelationshipErrors.customerProfileMismatch(rejection.field);
    case 'CloudDiffers':
      // Alone, a tenant is in the public cloud: any other is a national cloud, where direct acceptance does not exist.
      return arrival.via === 'direct'
        ? RelationshipErrors.nationalCloudNotSupported(rejection.given)
        : RelationshipErrors.cloudDiffersFromPartner(rejection.decided, "the inviting partner's");
    case 'CloudUndecided':
      return RelationshipErrors.invitingPartnerNotRegistered();
  }
}

/** The registered cloud of a partner, or undefined for a tenant that is not a registered partner. */
export async function partnerCloud(
  manager: EntityManager,
  schema: string,
  partnerId: string,
): Promise<Cloud | undefined> {
  const [row]: Array<{ cloud: Cloud }> = await runSql(
    manager,
    sql`SELECT cloud FROM ${table(schema, 'partners')} WHERE id = ${partnerId}`,
  );
  return row?.cloud;
}

async function selectForUpdate(
  manager: EntityManager,
  schema: string,
  customerTenantId: string,
): Promise<CustomerProfile | undefined> {
  const [row]: Array<{ cloud: Cloud; country: string }> = await runSql(
    manager,
    sql`SELECT cloud, country FROM ${table(schema, 'customers')} WHERE id = ${customerTenantId} FOR UPDATE`,
  );
  return row ? { cloud: row.cloud, country: row.country } : undefined;
}
