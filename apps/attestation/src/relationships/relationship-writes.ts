/*
 * What a run of `partners.relationships` facts leaves in this service's copy, as
 * pure functions: the facts go in, the rows to write come out, one row per key, the same rows that
 * applying the facts one by one in their order would leave. No framework, no database.
 */
import { KnownEventEnvelope } from '@app/contracts';

export interface PartnerRow {
  partnerId: string;
  partnerType: string;
  cloud: string;
  name: string;
  registeredEventId: string;
}

export interface CustomerRow {
  customerTenantId: string;
  cloud: string;
  country: string;
}

export interface RelationshipRow {
  partnerId: string;
  customerTenantId: string;
  active: boolean;
  /** The fact's own time: a row is replaced only by a fact at least as recent (see the upsert). */
  asOf: string;
}

export interface RelationshipWrites {
  partners: PartnerRow[];
  customers: CustomerRow[];
  relationships: RelationshipRow[];
}

/**
 * The rows `events` (in topic order per key) leave. A partner or customer takes its last fact; a
 * relationship takes its latest fact by time, the later in order on a tie, as the upsert's
 * `as_of <= EXCLUDED.as_of` does against what is stored.
 */
export function relationshipWrites(events: readonly KnownEventEnvelope[]): RelationshipWrites {
  const partners = new Map<string, PartnerRow>();
  const customers = new Map<string, CustomerRow>();
  const relationships = new Map<string, RelationshipRow>();
  const relate = (row: RelationshipRow) => {
    const key = `${row.partnerId}/${row.customerTenantId}`;
    const held = relationships.get(key);
    if (!held || Date.parse(held.asOf) <= Date.parse(row.asOf)) relationships.set(key, row);
  };
  for (const event of events) {
    switch (event.eventType) {
      case 'PartnerRegistered': {
        const { partnerId, partnerType, cloud, name } = event.data;
        partners.set(partnerId, { partnerId, partnerType, cloud, name, registeredEventId: event.eventId });
        break;
      }
      case 'CustomerTenantCreated': {
        const { customerTenantId, partnerId, cloud, country } = event.data;
        customers.set(customerTenantId, { customerTenantId, cloud, country });
        relate({ partnerId, customerTenantId, active: true, asOf: event.occurredAt });
        break;
      }
      case 'ResellerRelationshipAccepted': {
        const { customerTenantId, partnerId, cloud, country, acceptedAt } = event.data;
        customers.set(customerTenantId, { customerTenantId, cloud, country });
        relate({ partnerId, customerTenantId, active: true, asOf: acceptedAt });
        break;
      }
      case 'ResellerRelationshipTerminated': {
        const { customerTenantId, partnerId, terminatedAt } = event.data;
        relate({ partnerId, customerTenantId, active: false, asOf: terminatedAt });
        break;
      }
      default:
        // Invitations requested and indirect resellers linked do not bear on attestation.
        break;
    }
  }
  return {
    partners: [...partners.values()],
    customers: [...customers.values()],
    relationships: [...relationships.values()],
  };
}
