import { AgreementType, AttestationSource, KnownEventEnvelope } from '@app/contracts';
import { TemplateInfo } from './read-model';
import {
  applyEnhancedWrite,
  ENHANCED_PRODUCER,
  EnhancedRow,
  enhancedStatus,
  EnhancedWrite,
  enhancedWritesOf,
} from './enhanced-rules';
import { newerPublication, precedes, supersedes } from './fact-order';

export { advancesStatus, ENHANCED_PRODUCER, EnhancedRow } from './enhanced-rules';

/** One change to the projection: what `writesOf` reads from a fact, which `applyWrites` turns into SQL. */
export type ProjectionWrite =
  | {
      kind: 'attestation';
      partnerId: string;
      customerTenantId: string;
      agreementType: AgreementType;
      attestationId: string;
      /**
       * When the attestation service recorded the attestation: the envelope's occurredAt. Not
       * dateAgreed, the customer's date, which a partner may state in the past (a re-attestation made
       * after a withdrawal may well carry a dateAgreed before it); not the time the gate received it,
       * which is exactly what a replay moves. occurredAt is stamped under the pair's lock by the same
       * service (and clock) that stamps withdrawnAt, and a replayed copy carries the original's.
       */
      attestedAt: string;
      templateId: string;
      dateAgreed: string;
      eventId: string;
      /** As the event says it (absent on events from before the enhanced flow): absent counts as legacy (T-08). */
      attestationSource: AttestationSource | null;
      enhancedAttestationId: string | null;
    }
  | EnhancedWrite
  | {
      kind: 'withdrawal';
      partnerId: string;
      customerTenantId: string;
      agreementType: AgreementType;
      /** The attestation withdrawn: a withdrawal never touches another. */
      attestationId: string;
      withdrawnAt: string;
      eventId: string;
    }
  | {
      kind: 'directAcceptance';
      customerTenantId: string;
      agreementType: AgreementType;
      templateId: string;
      dateAgreed: string;
      /** When the reseller-relationship service recorded it (envelope occurredAt), for the reason given for attestedAt. */
      acceptedAt: string;
      eventId: string;
    }
  | { kind: 'customer'; customerTenantId: string; cloud: string; country: string; knownAt: string }
  | { kind: 'partner'; partnerId: string; partnerType: string; cloud: string }
  | {
      kind: 'relationship';
      partnerId: string;
      customerTenantId: string;
      active: boolean;
      changedAt: string;
      eventId: string;
    }
  | { kind: 'resellerLink'; providerPartnerId: string; resellerPartnerId: string; linkedAt: string }
  | {
      kind: 'template';
      templateId: string;
      agreementType: AgreementType;
      versionRank: number;
      agreementLink: string;
      publishedAt: string;
    };

/**
 * What one fact says about the projection's rows, as data. Pure. Whether a write takes effect is
 * the row's business: it keeps the latest fact (S-05, `fact-order.ts`), so the order facts arrive in
 * does not matter.
 */
export function writesOf(event: KnownEventEnvelope): ProjectionWrite[] {
  const eventId = event.eventId;
  switch (event.eventType) {
    case 'AgreementAttested': {
      const d = event.data;
      const enhancedAttestationId = d.enhancedAttestationId ?? null;
      return [
        {
          kind: 'attestation',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          agreementType: d.agreementType,
          attestationId: d.attestationId,
          attestedAt: event.occurredAt,
          templateId: d.templateId,
          dateAgreed: d.dateAgreed,
          eventId,
          // T-08: only the attestation service says an attestation was finalized from an enhanced one (S-04).
          attestationSource: event.producer === ENHANCED_PRODUCER ? (d.attestationSource ?? null) : null,
          enhancedAttestationId,
        },
        // E-04: finalizing moves the enhanced attestation it names to Finalized (from its producer only, S-04).
        ...(enhancedAttestationId && event.producer === ENHANCED_PRODUCER
          ? [enhancedStatus(d, enhancedAttestationId, 'Finalized', eventId)]
          : []),
      ];
    }
    case 'EnhancedAttestationStarted':
    case 'EnhancedAttestationAccepted':
    case 'EnhancedAttestationCancelled':
    case 'EnhancedAttestationExpired':
      return enhancedWritesOf(event);
    case 'AgreementAttestationWithdrawn': {
      const d = event.data;
      return [
        {
          kind: 'withdrawal',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          agreementType: d.agreementType,
          attestationId: d.attestationId,
          withdrawnAt: d.withdrawnAt,
          eventId,
        },
      ];
    }
    case 'CustomerAgreementAccepted': {
      const d = event.data;
      return [
        {
          kind: 'directAcceptance',
          customerTenantId: d.customerTenantId,
          agreementType: d.agreementType,
          templateId: d.templateId,
          dateAgreed: d.dateAgreed,
          acceptedAt: event.occurredAt,
          eventId,
        },
      ];
    }
    case 'AgreementTemplatePublished': {
      const d = event.data;
      return [
        {
          kind: 'template',
          templateId: d.templateId,
          agreementType: d.agreementType,
          versionRank: d.versionRank,
          agreementLink: d.agreementLink,
          publishedAt: d.publishedAt,
        },
      ];
    }
    case 'PartnerRegistered': {
      const d = event.data;
      return [{ kind: 'partner', partnerId: d.partnerId, partnerType: d.partnerType, cloud: d.cloud }];
    }
    case 'CustomerTenantCreated': {
      const d = event.data;
      return [
        {
          kind: 'customer',
          customerTenantId: d.customerTenantId,
          cloud: d.cloud,
          country: d.country,
          knownAt: event.occurredAt,
        },
        {
          kind: 'relationship',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          active: true,
          changedAt: event.occurredAt,
          eventId,
        },
      ];
    }
    case 'ResellerRelationshipAccepted': {
      const d = event.data;
      return [
        // S-01: only counts for a tenant the gate did not know; an existing tenant keeps its cloud.
        {
          kind: 'customer',
          customerTenantId: d.customerTenantId,
          cloud: d.cloud,
          country: d.country,
          knownAt: d.acceptedAt,
        },
        {
          kind: 'relationship',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          active: true,
          changedAt: d.acceptedAt,
          eventId,
        },
      ];
    }
    case 'ResellerRelationshipTerminated': {
      const d = event.data;
      return [
        {
          kind: 'relationship',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          active: false,
          changedAt: d.terminatedAt,
          eventId,
        },
      ];
    }
    case 'IndirectResellerLinked': {
      const d = event.data;
      return [
        {
          kind: 'resellerLink',
          providerPartnerId: d.providerPartnerId,
          resellerPartnerId: d.resellerPartnerId,
          linkedAt: d.linkedAt,
        },
      ];
    }
    default:
      // Invitations requested change nothing the gate judges on; orders are not facts.
      return [];
  }
}

/** A partner's attestation of one type for one customer, and the last withdrawal of the pair's attestations. */
export interface AcceptanceRow {
  attestation?: {
    attestationId: string;
    attestedAt: string;
    templateId: string;
    dateAgreed: string;
    eventId: string;
    attestationSource: AttestationSource | null;
    enhancedAttestationId: string | null;
  };
  withdrawal?: { attestationId: string; withdrawnAt: string; eventId: string };
}

/** The projection as plain data: what the tables hold, keyed as their primary keys. */
export interface ProjectionState {
  /** partner|customer|type */
  acceptances: ReadonlyMap<string, AcceptanceRow>;
  /** customer|type */
  directAcceptances: ReadonlyMap<
    string,
    { templateId: string; dateAgreed: string; acceptedAt: string; eventId: string }
  >;
  customers: ReadonlyMap<string, { cloud: string; country: string; knownAt: string }>;
  partners: ReadonlyMap<string, { partnerType: string; cloud: string }>;
  /** partner|customer */
  relationships: ReadonlyMap<string, { active: boolean; changedAt: string; eventId: string }>;
  /** provider|reseller */
  resellerLinks: ReadonlyMap<string, { linkedAt: string }>;
  templates: ReadonlyMap<string, TemplateInfo>;
  /** partner|customer: the pair's latest enhanced attestation (G-15). */
  enhancedAttestations: ReadonlyMap<string, EnhancedRow>;
}

export const EMPTY_PROJECTION: ProjectionState = {
  enhancedAttestations: new Map(),
  acceptances: new Map(),
  directAcceptances: new Map(),
  customers: new Map(),
  partners: new Map(),
  relationships: new Map(),
  resellerLinks: new Map(),
  templates: new Map(),
};

export const rowKey = (...parts: string[]) => parts.map((p) => p.toLowerCase()).join('|');

/**
 * The withdrawal that holds for the row's attestation, if any: only one that names it. A withdrawal
 * of an earlier attestation, replayed or late, does not touch a re-attestation.
 */
export function effectiveWithdrawal(row: AcceptanceRow): AcceptanceRow['withdrawal'] {
  const { attestation, withdrawal } = row;
  return attestation && withdrawal?.attestationId.toLowerCase() === attestation.attestationId.toLowerCase()
    ? withdrawal
    : undefined;
}

/**
 * The projection's evolve: the state after one more fact, whatever order the facts come in. Pure;
 * `applyWrites` is the same in SQL, on the tables.
 */
export function evolve(state: ProjectionState, event: KnownEventEnvelope): ProjectionState {
  return writesOf(event).reduce(applyWrite, state);
}

function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V): Map<string, V> {
  return new Map(map).set(key, value);
}

function applyWrite(state: ProjectionState, w: ProjectionWrite): ProjectionState {
  switch (w.kind) {
    case 'attestation': {
      const key = rowKey(w.partnerId, w.customerTenantId, w.agreementType);
      const row = state.acceptances.get(key) ?? {};
      const held = row.attestation && {
        at: row.attestation.attestedAt,
        identity: row.attestation.attestationId,
      };
      if (!supersedes(held, { at: w.attestedAt, identity: w.attestationId })) return state;
      const {
        attestationId,
        attestedAt,
        templateId,
        dateAgreed,
        eventId,
        attestationSource,
        enhancedAttestationId,
      } = w;
      const attestation = {
        attestationId,
        attestedAt,
        templateId,
        dateAgreed,
        eventId,
        attestationSource,
        enhancedAttestationId,
      };
      return { ...state, acceptances: withEntry(state.acceptances, key, { ...row, attestation }) };
    }
    case 'enhancedStarted':
    case 'enhancedStatus':
      return { ...state, enhancedAttestations: applyEnhancedWrite(state.enhancedAttestations, w) };
    case 'withdrawal': {
      const key = rowKey(w.partnerId, w.customerTenantId, w.agreementType);
      const row = state.acceptances.get(key) ?? {};
      const held = row.withdrawal && {
        at: row.withdrawal.withdrawnAt,
        identity: row.withdrawal.attestationId,
      };
      if (!supersedes(held, { at: w.withdrawnAt, identity: w.attestationId })) return state;
      const withdrawal = { attestationId: w.attestationId, withdrawnAt: w.withdrawnAt, eventId: w.eventId };
      return { ...state, acceptances: withEntry(state.acceptances, key, { ...row, withdrawal }) };
    }
    case 'directAcceptance': {
      const key = rowKey(w.customerTenantId, w.agreementType);
      const held = state.directAcceptances.get(key);
      const identity = (a: { templateId: string; dateAgreed: string }) =>
        `${a.templateId.toLowerCase()}|${Date.parse(a.dateAgreed)}`;
      if (
        !supersedes(held && { at: held.acceptedAt, identity: identity(held) }, {
          at: w.acceptedAt,
          identity: identity(w),
        })
      )
        return state;
      const { templateId, dateAgreed, acceptedAt, eventId } = w;
      return {
        ...state,
        directAcceptances: withEntry(state.directAcceptances, key, {
          templateId,
          dateAgreed,
          acceptedAt,
          eventId,
        }),
      };
    }
    case 'customer': {
      const key = rowKey(w.customerTenantId);
      const held = state.customers.get(key);
      if (!precedes(held && { at: held.knownAt }, { at: w.knownAt })) return state;
      const { cloud, country, knownAt } = w;
      return { ...state, customers: withEntry(state.customers, key, { cloud, country, knownAt }) };
    }
    case 'partner': {
      // A registration is never changed by its producer (a different one is refused): the first stands.
      const key = rowKey(w.partnerId);
      if (state.partners.has(key)) return state;
      return {
        ...state,
        partners: withEntry(state.partners, key, { partnerType: w.partnerType, cloud: w.cloud }),
      };
    }
    case 'relationship': {
      const key = rowKey(w.partnerId, w.customerTenantId);
      const held = state.relationships.get(key);
      if (
        !supersedes(held && { at: held.changedAt, identity: String(held.active) }, {
          at: w.changedAt,
          identity: String(w.active),
        })
      )
        return state;
      const { active, changedAt, eventId } = w;
      return { ...state, relationships: withEntry(state.relationships, key, { active, changedAt, eventId }) };
    }
    case 'resellerLink': {
      const key = rowKey(w.providerPartnerId, w.resellerPartnerId);
      if (
        !precedes(state.resellerLinks.get(key) && { at: state.resellerLinks.get(key)!.linkedAt }, {
          at: w.linkedAt,
        })
      )
        return state;
      return { ...state, resellerLinks: withEntry(state.resellerLinks, key, { linkedAt: w.linkedAt }) };
    }
    case 'template': {
      const key = rowKey(w.templateId);
      if (!newerPublication(state.templates.get(key), w)) return state;
      const { templateId, agreementType, versionRank, agreementLink, publishedAt } = w;
      return {
        ...state,
        templates: withEntry(state.templates, key, {
          templateId,
          agreementType,
          versionRank,
          agreementLink,
          publishedAt,
        }),
      };
    }
  }
}
