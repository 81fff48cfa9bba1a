import { EntityManager } from 'typeorm';
import { Cloud } from '@app/contracts';
import { RelationshipErrors } from '../relationship-errors';
import { CustomerProfile, resolveCustomerProfile } from './customer-profile';

/**
 * The customer tenant acting itself (invitation or direct acceptance), locked for the rest of the
 * transaction; a tenant not known yet is recorded with the cloud and country it gives.
 */
export async function lockCustomerTenant(
  manager: EntityManager,
  customerTenantId: string,
  given: { cloud?: Cloud; country?: string },
): Promise<CustomerProfile> {
  const known = await selectForUpdate(manager, customerTenantId);
  const resolution = resolveCustomerProfile(known, given);
  if (!resolution.ok) {
    const { rejection } = resolution;
    throw rejection.kind === 'Missing'
      ? RelationshipErrors.customerProfileRequired(rejection.fields)
      : RelationshipErrors.customerProfileMismatch(rejection.field);
  }
  if (resolution.isNew) {
    await manager.query(
      `INSERT INTO reseller_relationship.customers (id, cloud, country) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [customerTenantId, resolution.profile.cloud, resolution.profile.country],
    );
    // Another request may have recorded it meanwhile: what is recorded wins, and must agree.
    return lockCustomerTenant(manager, customerTenantId, resolution.profile);
  }
  return resolution.profile;
}

async function selectForUpdate(
  manager: EntityManager,
  customerTenantId: string,
): Promise<CustomerProfile | undefined> {
  const [row]: Array<{ cloud: Cloud; country: string }> = await manager.query(
    `SELECT cloud, country FROM reseller_relationship.customers WHERE id = $1 FOR UPDATE`,
    [customerTenantId],
  );
  return row ? { cloud: row.cloud, country: row.country } : undefined;
}
