import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { KnownEventEnvelope, Topics } from '@app/contracts';
import { Messaging } from '@app/messaging';

export const RELATIONSHIPS_CONSUMER = 'relationships';

/**
 * Keeps this service's copy of who the partners are (type, cloud), the customers' clouds and which
 * partner is related to which customer, from `partners.relationships` (A-06, A-07, A-17). Positions
 * are tracked so an attestation can wait until the copy has caught up (A-17).
 */
@Injectable()
export class PartnersRelationshipsConsumer implements OnModuleInit {
  constructor(private readonly messaging: Messaging) {}

  onModuleInit(): void {
    this.messaging.registerConsumer({
      name: RELATIONSHIPS_CONSUMER,
      mode: 'validated',
      topics: [Topics.PartnersRelationships],
      trackPositions: true,
      handle: async ({ envelope }, manager) =>
        applyRelationshipEvent(envelope as KnownEventEnvelope, manager),
    });
  }
}

export async function applyRelationshipEvent(
  event: KnownEventEnvelope,
  manager: EntityManager,
): Promise<void> {
  switch (event.eventType) {
    case 'PartnerRegistered': {
      const { partnerId, partnerType, cloud, name } = event.data;
      // The producer never changes a registration (a different one is refused): the first one stands.
      await manager.query(
        `INSERT INTO attestation.partners (partner_id, partner_type, cloud, name, registered_event_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (partner_id) DO NOTHING`,
        [partnerId, partnerType, cloud, name, event.eventId],
      );
      return;
    }
    case 'CustomerTenantCreated': {
      const { customerTenantId, partnerId, cloud, country } = event.data;
      await upsertCustomer(manager, customerTenantId, cloud, country, event.occurredAt);
      await setRelationship(manager, partnerId, customerTenantId, true, event.occurredAt);
      return;
    }
    case 'ResellerRelationshipAccepted': {
      const { customerTenantId, partnerId, cloud, country, acceptedAt } = event.data;
      await upsertCustomer(manager, customerTenantId, cloud, country, acceptedAt);
      await setRelationship(manager, partnerId, customerTenantId, true, acceptedAt);
      return;
    }
    case 'ResellerRelationshipTerminated': {
      const { customerTenantId, partnerId, terminatedAt } = event.data;
      await setRelationship(manager, partnerId, customerTenantId, false, terminatedAt);
      return;
    }
    default:
      // Invitations requested and indirect resellers linked do not bear on attestation.
      return;
  }
}

/** S-01: a tenant keeps the first cloud the facts gave it (the earliest fact); a later one never changes it. */
async function upsertCustomer(
  manager: EntityManager,
  id: string,
  cloud: string,
  country: string,
  knownAt: string,
): Promise<void> {
  await manager.query(
    `INSERT INTO attestation.customers AS c (customer_tenant_id, cloud, country, known_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (customer_tenant_id) DO UPDATE SET cloud = EXCLUDED.cloud, country = EXCLUDED.country,
       known_at = EXCLUDED.known_at
       WHERE c.known_at > EXCLUDED.known_at`,
    [id, cloud, country, knownAt],
  );
}

/**
 * S-05: the relationship keeps the latest fact by its own time (acceptedAt, terminatedAt, or the
 * creation's occurredAt), so a replayed or late acceptance never re-opens a later termination. The
 * facts of one pair share the customer's key, hence a partition applied in offset order: at an equal
 * time a different state replaces the held one (it came later in the topic); a copy changes nothing.
 */
async function setRelationship(
  manager: EntityManager,
  partnerId: string,
  customerTenantId: string,
  active: boolean,
  asOf: string,
): Promise<void> {
  await manager.query(
    `INSERT INTO attestation.relationships AS r (partner_id, customer_tenant_id, active, as_of) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
       WHERE r.as_of < EXCLUDED.as_of OR (r.as_of = EXCLUDED.as_of AND r.active <> EXCLUDED.active)`,
    [partnerId, customerTenantId, active, asOf],
  );
}
