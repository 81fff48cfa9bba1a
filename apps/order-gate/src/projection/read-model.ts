import {
  AcceptanceSource,
  AgreementType,
  AttestationSource,
  EnhancedAttestationStatus,
} from '@app/contracts';

/*
 * The gate's read model: what the projection holds for one order, as `decide` reads it. It lives with the
 * projection that builds it, so imports run one way: decision uses projection, never the reverse.
 */

/** One acceptance fact as the projection holds it: a partner's current attestation of a type, or the customer's own. */
export interface AcceptanceFact {
  source: AcceptanceSource;
  agreementType: AgreementType;
  templateId: string;
  dateAgreed: string;
  eventId: string;
  /** A partner attestation the partner withdrew, and when. */
  withdrawnAt?: string | null;
  /** A partner attestation: when this system recorded it (the event's occurredAt), what T-08 judges it by. */
  recordedAt?: string | null;
  /** A partner attestation: `Enhanced` when finalized from an enhanced attestation (E-04); else legacy (T-08). */
  attestationSource?: AttestationSource | null;
  /** The enhanced attestation a partner attestation was finalized from (E-04, G-15). */
  enhancedAttestationId?: string | null;
}

/** The pair's latest enhanced attestation (E-05, G-15) as the projection holds it. */
export interface EnhancedAttestationView {
  attestationId: string;
  status: EnhancedAttestationStatus;
  acceptanceUrl: string;
  expiresAt: string;
}

/** One published template version. */
export interface TemplateInfo {
  templateId: string;
  agreementType: AgreementType;
  versionRank: number;
  agreementLink: string;
  publishedAt: string;
}

/** Who holds an active reseller relationship with the customer, as far as this order is concerned. */
export interface RelationshipView {
  /** The transacting partner. */
  partner: boolean;
  /** The order's reseller of record, if it names one. */
  reseller: boolean;
  /** The reseller of record is linked to the transacting provider (D-07). */
  resellerLinked: boolean;
}

/** What the projection knows about the order's (transacting partner, customer) pair. */
export interface GateView {
  /** The customer tenant's cloud, when a relationship event told it. */
  customerCloud: string | null;
  relationship: RelationshipView;
  /** The transacting partner's current attestation per type, and the customer's direct acceptances. */
  acceptances: readonly AcceptanceFact[];
  /** The template catalog. */
  templates: readonly TemplateInfo[];
  /** The transacting partner's latest enhanced attestation for the customer, if any (G-15). */
  enhancedAttestation?: EnhancedAttestationView | null;
}
