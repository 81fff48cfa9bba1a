/*
 * The attestation rules as pure functions (A-02, A-04, A-06, A-07, A-08, A-17, T-06): what the
 * service knows goes in, a refusal (or none) comes out. No framework, no database.
 */
import { AgreementType, isNationalCloud, PartnerType } from '@app/contracts';

/** a small allowance for the caller's clock. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * No Microsoft agreement template predates this; it also keeps dates inside what every store and
 * consumer can represent (years 0000..0999 pass an ISO-8601 check but not PostgreSQL).
 */
export const EARLIEST_DATE_AGREED = new Date('2000-01-01T00:00:00.000Z');

export interface TemplateFacts {
  agreementType: string;
  retiredFrom: Date | null;
}

export interface PartnerFacts {
  partnerType: string;
  cloud: string;
}

export interface CustomerFacts {
  cloud: string;
}

/** What the service's copy of the catalog and of `partners.relationships` says about one request. */
export interface AttestationFacts {
  template?: TemplateFacts;
  partner?: PartnerFacts;
  customer?: CustomerFacts;
  /** true: active; false: terminated; undefined: never related. */
  relationshipActive?: boolean;
}

export interface AttestationRequest {
  type: AgreementType;
  dateAgreed: Date;
  now: Date;
  /** A-17 as configured (ATTESTATION_REQUIRE_RELATIONSHIP). */
  requireRelationship: boolean;
}

export type AttestationRefusal =
  | { reason: 'DateAgreedInFuture' }
  | { reason: 'DateAgreedTooEarly' }
  | { reason: 'TemplateNotFound' }
  | { reason: 'TemplateTypeMismatch'; templateType: string }
  | { reason: 'TemplateRetired' }
  | { reason: 'IndirectResellerCannotAttest' }
  | { reason: 'PartnerInNationalCloud'; cloud: string }
  | { reason: 'CustomerInNationalCloud'; cloud: string }
  | { reason: 'PartnerNotRegistered' }
  | { reason: 'CustomerNotFound' }
  | { reason: 'NoActiveRelationship' };

/** Refusals that a lagging copy of `partners.relationships` may cause: worth a catch-up before answering. */
const MAY_BE_LAG: ReadonlySet<AttestationRefusal['reason']> = new Set([
  'PartnerNotRegistered',
  'CustomerNotFound',
  'NoActiveRelationship',
]);

export function mayBeLag(refusal: AttestationRefusal | null): boolean {
  return refusal !== null && MAY_BE_LAG.has(refusal.reason);
}

/** The first rule the request breaks, in the order a caller can best act on; null when it may be recorded. */
export function judgeAttestation(
  request: AttestationRequest,
  facts: AttestationFacts,
): AttestationRefusal | null {
  const { dateAgreed, now } = request;
  if (dateAgreed.getTime() > now.getTime() + CLOCK_SKEW_MS) return { reason: 'DateAgreedInFuture' };
  if (dateAgreed.getTime() < EARLIEST_DATE_AGREED.getTime()) return { reason: 'DateAgreedTooEarly' };

  const { template, partner, customer } = facts;
  if (!template) return { reason: 'TemplateNotFound' };
  if (template.agreementType !== request.type)
    return { reason: 'TemplateTypeMismatch', templateType: template.agreementType };
  if (template.retiredFrom && template.retiredFrom.getTime() <= now.getTime())
    return { reason: 'TemplateRetired' };

  if (partner?.partnerType === PartnerType.IndirectReseller)
    return { reason: 'IndirectResellerCannotAttest' };
  if (partner && isNationalCloud(partner.cloud))
    return { reason: 'PartnerInNationalCloud', cloud: partner.cloud };
  if (customer && isNationalCloud(customer.cloud))
    return { reason: 'CustomerInNationalCloud', cloud: customer.cloud };

  if (!request.requireRelationship) return null;
  if (!partner) return { reason: 'PartnerNotRegistered' };
  if (!customer) return { reason: 'CustomerNotFound' };
  if (facts.relationshipActive !== true) return { reason: 'NoActiveRelationship' };
  return null;
}

export interface ContactDetails {
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber?: string | null;
}

export interface AttestedFacts {
  templateId: string;
  dateAgreed: Date;
  primaryContact: ContactDetails;
}

/**
 * the incoming attestation repeats the current one exactly (same template, contact and date),
 * so it is answered with the current record and nothing new is recorded. Anything else supersedes it.
 */
export function isExactRepeat(current: AttestedFacts | undefined, incoming: AttestedFacts): boolean {
  if (!current) return false;
  const a = current.primaryContact;
  const b = incoming.primaryContact;
  return (
    current.templateId.toLowerCase() === incoming.templateId.toLowerCase() &&
    current.dateAgreed.getTime() === incoming.dateAgreed.getTime() &&
    a.firstName === b.firstName &&
    a.lastName === b.lastName &&
    a.email === b.email &&
    (a.phoneNumber ?? null) === (b.phoneNumber ?? null)
  );
}
