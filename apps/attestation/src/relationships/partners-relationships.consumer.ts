import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { KnownEventEnvelope, Topics } from '@app/contracts';
import { ConsumerRegistry } from '@app/messaging';
import { relationshipWrites } from './relationship-writes';

export const RELATIONSHIPS_CONSUMER = 'relationships';

/**
 * Keeps this service's copy of who the partners are (type, cloud), the customers' clouds and which
 * partner is related to which customer, from `partners.relationships` (A-06, A-07, A-17). Positions
 * are tracked so an attestation can wait until the copy has caught up (A-17).
 */
@Injectable()
export class PartnersRelationshipsConsumer implements OnModuleInit {
  constructor(private readonly consumers: ConsumerRegistry) {}

  onModuleInit(): void {
    this.consumers.register({
      name: RELATIONSHIPS_CONSUMER,
      input: 'validated',
      topics: [Topics.PartnersRelationships],
      // A-17 under backlog: the chunks of every partition of a fetch in one transaction (each
      // partition still in offset order) and three statements, so tens of thousands of queued facts
      // are read in seconds.
      delivery: {
        kind: 'batches',
        trackPositions: true,
        mergePartitions: true,
        handleBatch: async (messages, manager) =>
          applyRelationshipEvents(
            messages.map((m) => m.envelope as KnownEventEnvelope),
            manager,
          ),
      },
      handle: async ({ envelope }, manager) =>
        applyRelationshipEvents([envelope as KnownEventEnvelope], manager),
    });
  }
}

/**
 * Applies facts of `partners.relationships` (in topic order per key) to this service's copy: one
 * statement per table, whatever the number of facts (A-17 under backlog).
 */
export async function applyRelationshipEvents(
  events: readonly KnownEventEnvelope[],
  manager: EntityManager,
): Promise<void> {
  const { partners, customers, relationships } = relationshipWrites(events);
  if (partners.length > 0)
    await manager.query(
      `INSERT INTO attestation.partners (partner_id, partner_type, cloud, name, registered_event_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[])
       ON CONFLICT (partner_id) DO NOTHING`,
      [
        partners.map((p) => p.partnerId),
        partners.map((p) => p.partnerType),
        partners.map((p) => p.cloud),
        partners.map((p) => p.name),
        partners.map((p) => p.registeredEventId),
      ],
    );
  if (customers.length > 0)
    await manager.query(
      `INSERT INTO attestation.customers AS c (customer_tenant_id, cloud, country, known_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (customer_tenant_id) DO UPDATE
         SET cloud = EXCLUDED.cloud, country = EXCLUDED.country, known_at = EXCLUDED.known_at
         WHERE c.known_at > EXCLUDED.known_at`,
      [
        customers.map((c) => c.customerTenantId),
        customers.map((c) => c.cloud),
        customers.map((c) => c.country),
        customers.map((c) => c.knownAt),
      ],
    );
  if (relationships.length > 0)
    await manager.query(
      `INSERT INTO attestation.relationships AS r (partner_id, customer_tenant_id, active, as_of)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::boolean[], $4::timestamptz[])
       ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
         WHERE r.as_of < EXCLUDED.as_of OR (r.as_of = EXCLUDED.as_of AND r.active <> EXCLUDED.active)`,
      [
        relationships.map((r) => r.partnerId),
        relationships.map((r) => r.customerTenantId),
        relationships.map((r) => r.active),
        relationships.map((r) => r.asOf),
      ],
    );
}
