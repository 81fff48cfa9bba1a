import type { AuditItem } from './audit-reads';

/** One enhanced attestation as the log tells it (E-07): its life from start to finalize, cancel or expiry. */
export interface EnhancedAttestationTrail {
  attestationId: string;
  partnerId: string | null;
  /** The last step the log holds: Pending, Accepted, Finalized, Cancelled or Expired. */
  status: 'Pending' | 'Accepted' | 'Finalized' | 'Cancelled' | 'Expired';
  startedAt: string | null;
  expiresAt: string | null;
  templateId: string | null;
  country: string | null;
  language: string | null;
  acceptedAt: string | null;
  /** SHA-256 of the attestation service's evidence record (E-03), which holds the contact and client details. */
  evidenceHash: string | null;
  /** What the signatory was shown: template, document link, language, country, hash of the text. */
  evidence: Record<string, unknown> | null;
  /** The AgreementAttested event the partner finalized it into (E-04). */
  finalizedByEventId: string | null;
  endedAt: string | null;
  /** Every event of this attestation, in log order. */
  eventIds: string[];
}

const dataOf = (item: AuditItem): Record<string, any> =>
  ((item.envelope as { data?: Record<string, any> } | null)?.data ?? {}) as Record<string, any>;

/**
 * U-04: the enhanced attestations among a customer's acceptance events, each with its evidence. Reads the events
 * in log order; a step the log does not hold (a start stored before the audit ran, say) is left null.
 */
export function enhancedAttestationTrails(acceptances: readonly AuditItem[]): EnhancedAttestationTrail[] {
  const trails = new Map<string, EnhancedAttestationTrail>();
  const trailOf = (attestationId: string, partnerId: string | null) => {
    let trail = trails.get(attestationId);
    if (!trail) {
      trail = {
        attestationId,
        partnerId,
        status: 'Pending',
        startedAt: null,
        expiresAt: null,
        templateId: null,
        country: null,
        language: null,
        acceptedAt: null,
        evidenceHash: null,
        evidence: null,
        finalizedByEventId: null,
        endedAt: null,
        eventIds: [],
      };
      trails.set(attestationId, trail);
    }
    return trail;
  };
  for (const item of acceptances) {
    const data = dataOf(item);
    const id = item.eventType === 'AgreementAttested' ? data.enhancedAttestationId : data.attestationId;
    if (typeof id !== 'string') continue;
    if (!item.eventType?.startsWith('EnhancedAttestation') && item.eventType !== 'AgreementAttested')
      continue;
    const trail = trailOf(id, item.partnerId);
    if (item.eventId) trail.eventIds.push(item.eventId);
    switch (item.eventType) {
      case 'EnhancedAttestationStarted':
        Object.assign(trail, {
          startedAt: item.occurredAt,
          expiresAt: data.expiresAt ?? null,
          templateId: data.templateId ?? null,
          country: data.country ?? null,
          language: data.language ?? null,
        });
        break;
      case 'EnhancedAttestationAccepted':
        Object.assign(trail, {
          status: trail.status === 'Finalized' ? 'Finalized' : 'Accepted',
          acceptedAt: data.acceptedAt ?? null,
          evidenceHash: data.evidenceHash ?? null,
          evidence: data.evidence ?? null,
        });
        break;
      case 'AgreementAttested':
        Object.assign(trail, {
          status: 'Finalized',
          finalizedByEventId: item.eventId,
          endedAt: item.occurredAt,
        });
        break;
      case 'EnhancedAttestationCancelled':
        Object.assign(trail, { status: 'Cancelled', endedAt: data.cancelledAt ?? item.occurredAt });
        break;
      case 'EnhancedAttestationExpired':
        Object.assign(trail, { status: 'Expired', endedAt: data.expiredAt ?? item.occurredAt });
        break;
    }
  }
  return [...trails.values()];
}
