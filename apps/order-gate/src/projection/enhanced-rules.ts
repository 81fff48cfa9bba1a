import { EnhancedAttestationStatus, KnownEventEnvelope } from '@app/contracts';
import { supersedes } from './fact-order';

/*
 * G-15, E-05: the enhanced attestation's part of the projection, pure like `evolve` (which uses it): what its four
 * events write, and the row each (partner, customer) pair keeps: its latest attestation and where that stands.
 * A status event changes only the row of the attestation it names, and only forward; one that arrives before its
 * attestation's start (never on one partition: the events share the customer's key) changes nothing.
 */

/** The one producer of the enhanced attestation's facts (S-04): another writer of the topic is ignored. */
export const ENHANCED_PRODUCER = 'attestation';

export type EnhancedWrite =
  | {
      /** E-01: a partner opened an enhanced attestation for the customer (the pair's latest replaces an older one). */
      kind: 'enhancedStarted';
      partnerId: string;
      customerTenantId: string;
      attestationId: string;
      /** The envelope's occurredAt: which of two attestations of the pair is the latest. */
      startedAt: string;
      acceptanceUrl: string;
      expiresAt: string;
      eventId: string;
    }
  | {
      /** E-03..E-05: the attestation moved on (Finalized: an AgreementAttested names it). */
      kind: 'enhancedStatus';
      partnerId: string;
      customerTenantId: string;
      attestationId: string;
      status: EnhancedAttestationStatus;
      eventId: string;
    };

/** The pair's latest enhanced attestation, as the projection's row holds it. */
export interface EnhancedRow {
  attestationId: string;
  startedAt: string;
  status: EnhancedAttestationStatus;
  acceptanceUrl: string;
  expiresAt: string;
  eventId: string;
}

export function enhancedStatus(
  d: { partnerId: string; customerTenantId: string },
  attestationId: string,
  status: EnhancedAttestationStatus,
  eventId: string,
): EnhancedWrite {
  return {
    kind: 'enhancedStatus',
    partnerId: d.partnerId,
    customerTenantId: d.customerTenantId,
    attestationId,
    status,
    eventId,
  };
}

/** What one of the four Enhanced* events writes; nothing from another producer than the attestation service. */
export function enhancedWritesOf(event: KnownEventEnvelope): EnhancedWrite[] {
  if (event.producer !== ENHANCED_PRODUCER) return [];
  switch (event.eventType) {
    case 'EnhancedAttestationStarted': {
      const d = event.data;
      return [
        {
          kind: 'enhancedStarted',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          attestationId: d.attestationId,
          startedAt: event.occurredAt,
          acceptanceUrl: d.acceptanceUrl,
          expiresAt: d.expiresAt,
          eventId: event.eventId,
        },
      ];
    }
    case 'EnhancedAttestationAccepted':
      return [enhancedStatus(event.data, event.data.attestationId, 'Accepted', event.eventId)];
    case 'EnhancedAttestationCancelled':
      return [enhancedStatus(event.data, event.data.attestationId, 'Cancelled', event.eventId)];
    case 'EnhancedAttestationExpired':
      return [enhancedStatus(event.data, event.data.attestationId, 'Expired', event.eventId)];
    default:
      return [];
  }
}

/**
 * E-05: whether a status event moves an attestation on. Finalizing (an AgreementAttested naming it) ends any
 * state; acceptance, cancellation and expiry happen only to a pending one. A copy or a late event changes nothing.
 */
export function advancesStatus(
  held: EnhancedAttestationStatus,
  incoming: EnhancedAttestationStatus,
): boolean {
  if (incoming === 'Finalized') return held !== 'Finalized';
  return held === 'Pending' && incoming !== 'Pending';
}

/** The same key as evolve's `rowKey(partner, customer)`. */
const pairKey = (partnerId: string, customerTenantId: string) =>
  `${partnerId.toLowerCase()}|${customerTenantId.toLowerCase()}`;

/** The rows after one write; `applyWrites` states the same in SQL. */
export function applyEnhancedWrite(
  rows: ReadonlyMap<string, EnhancedRow>,
  w: EnhancedWrite,
): ReadonlyMap<string, EnhancedRow> {
  const key = pairKey(w.partnerId, w.customerTenantId);
  const held = rows.get(key);
  if (w.kind === 'enhancedStarted') {
    const incoming = { at: w.startedAt, identity: w.attestationId };
    if (!supersedes(held && { at: held.startedAt, identity: held.attestationId }, incoming)) return rows;
    const { attestationId, startedAt, acceptanceUrl, expiresAt, eventId } = w;
    return new Map(rows).set(key, {
      attestationId,
      startedAt,
      status: 'Pending',
      acceptanceUrl,
      expiresAt,
      eventId,
    });
  }
  if (
    !held ||
    held.attestationId.toLowerCase() !== w.attestationId.toLowerCase() ||
    !advancesStatus(held.status, w.status)
  )
    return rows;
  return new Map(rows).set(key, { ...held, status: w.status, eventId: w.eventId });
}
