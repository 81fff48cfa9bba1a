import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { KnownEventEnvelope, Topics } from '@app/contracts';
import { ConsumerRegistry, runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { relationshipWrites } from './relationship-writes';

export const RELATIONSHIPS_CONSUMER = 'relationships';

/**
 * Keeps this service's copy of who the partners are (type, cloud), the customers' clouds and which
 * partner is related to which customer, from `partners.relationships` (A-06, A-07, A-17). Positions
 * are tracked so an attestation can wait until the copy has caught up (A-17).
 */
@Injectable()
export class PartnersRelationshipsConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

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
            this.schema,
            messages.map((m) => m.envelope as KnownEventEnvelope),
            manager,
          ),
      },
      handle: async ({ envelope }, manager) =>
        applyRelationshipEvents(this.schema, [envelope as KnownEventEnvelope], manager),
    });
  }
}

/**
 * Applies facts of `partners.relationships` (in topic order per key) to this service's copy in
 * `schema`: one statement per table, whatever the number of facts (A-17 under backlog).
 */
export async function applyRelationshipEvents(
  schema: string,
  events: readonly KnownEventEnvelope[],
  manager: EntityManager,
): Promise<void> {
  const { partners, customers, relationships } = relationshipWrites(events);
  if (partners.length > 0)
    await runSql(
      manager,
      sql`INSERT INTO ${table(schema, 'partners')} (partner_id, partner_type, cloud, name, registered_event_id)
          SELECT * FROM unnest(${partners.map((p) => p.partnerId)}::uuid[],
                               ${partners.map((p) => p.partnerType)}::text[],
                               ${partners.map((p) => p.cloud)}::text[],
                               ${partners.map((p) => p.name)}::text[],
                               ${partners.map((p) => p.registeredEventId)}::uuid[])
          ON CONFLICT (partner_id) DO NOTHING`,
    );
  if (customers.length > 0)
    await runSql(
      manager,
      sql`INSERT INTO ${table(schema, 'customers')} AS c (customer_tenant_id, cloud, country, known_at)
          SELECT * FROM unnest(${customers.map((c) => c.customerTenantId)}::uuid[],
                               ${customers.map((c) => c.cloud)}::text[],
                               ${customers.map((c) => c.country)}::text[],
                               ${customers.map((c) => c.knownAt)}::timestamptz[])
          ON CONFLICT (customer_tenant_id) DO UPDATE
            SET cloud = EXCLUDED.cloud, country = EXCLUDED.country, known_at = EXCLUDED.known_at
            WHERE c.known_at > EXCLUDED.known_at`,
    );
  if (relationships.length > 0)
    await runSql(
      manager,
      sql`INSERT INTO ${table(schema, 'relationships')} AS r (partner_id, customer_tenant_id, active, as_of)
          SELECT * FROM unnest(${relationships.map((r) => r.partnerId)}::uuid[],
                               ${relationships.map((r) => r.customerTenantId)}::uuid[],
                               ${relationships.map((r) => r.active)}::boolean[],
                               ${relationships.map((r) => r.asOf)}::timestamptz[])
          ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
            WHERE r.as_of < EXCLUDED.as_of OR (r.as_of = EXCLUDED.as_of AND r.active <> EXCLUDED.active)`,
    );
}
