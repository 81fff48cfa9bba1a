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
  /** The time of the fact that made the tenant known: the earliest fact's cloud stands (S-01). */
  knownAt: string;
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
 * The rows `events` (in topic order per key) leave, as the upserts of `applyRelationshipEvents` do
 * against what is stored. A partner keeps its first registration (the producer never changes one);
 * a customer keeps the cloud of its earliest fact (S-01). A relationship takes its latest fact by the
 * fact's own time (S-05); on a tie a different state replaces the held one (it came later in the
 * topic), and a copy changes nothing.
 */
export function relationshipWrites(events: readonly KnownEventEnvelope[]): RelationshipWrites {
  const partners = new Map<string, PartnerRow>();
  const customers = new Map<string, CustomerRow>();
  const relationships = new Map<string, RelationshipRow>();
  const relate = (row: RelationshipRow) => {
    const key = `${row.partnerId}/${row.customerTenantId}`;
    const held = relationships.get(key);
    const [heldAt, rowAt] = [Date.parse(held?.asOf ?? ''), Date.parse(row.asOf)];
    if (!held || heldAt < rowAt || (heldAt === rowAt && held.active !== row.active))
      relationships.set(key, row);
  };
  const know = (row: CustomerRow) => {
    const held = customers.get(row.customerTenantId);
    if (!held || Date.parse(row.knownAt) < Date.parse(held.knownAt)) customers.set(row.customerTenantId, row);
  };
  for (const event of events) {
    switch (event.eventType) {
      case 'PartnerRegistered': {
        const { partnerId, partnerType, cloud, name } = event.data;
        if (!partners.has(partnerId))
          partners.set(partnerId, { partnerId, partnerType, cloud, name, registeredEventId: event.eventId });
        break;
      }
      case 'CustomerTenantCreated': {
        const { customerTenantId, partnerId, cloud, country } = event.data;
        know({ customerTenantId, cloud, country, knownAt: event.occurredAt });
        relate({ partnerId, customerTenantId, active: true, asOf: event.occurredAt });
        break;
      }
      case 'ResellerRelationshipAccepted': {
        const { customerTenantId, partnerId, cloud, country, acceptedAt } = event.data;
        know({ customerTenantId, cloud, country, knownAt: acceptedAt });
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
