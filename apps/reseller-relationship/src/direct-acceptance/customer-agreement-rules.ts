import { AgreementType, Cloud, DIRECTLY_ACCEPTABLE_AGREEMENT_TYPES, isNationalCloud } from '@app/contracts';

/** A-02's allowance for the caller's clock. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type CustomerAgreementRejection =
  | { kind: 'NationalCloud'; cloud: Cloud }
  | { kind: 'TemplateNotFound' }
  | { kind: 'NotCustomerAgreement'; agreementType: AgreementType }
  | { kind: 'DateAgreedInFuture' };

export interface CustomerAgreementCandidate {
  customerCloud: Cloud;
  /** The template named, as this service knows it; undefined when it knows no such template. */
  template: { agreementType: AgreementType } | undefined;
  dateAgreed: Date;
}

/**
 * D-03, D-04: what keeps a customer from accepting an agreement directly. Only the Microsoft Customer
 * Agreement can be, never in a national cloud, and not with a date in the future.
 */
export function customerAgreementRejection(
  candidate: CustomerAgreementCandidate,
  now: Date,
): CustomerAgreementRejection | undefined {
  if (isNationalCloud(candidate.customerCloud))
    return { kind: 'NationalCloud', cloud: candidate.customerCloud };
  if (!candidate.template) return { kind: 'TemplateNotFound' };
  if (!DIRECTLY_ACCEPTABLE_AGREEMENT_TYPES.includes(candidate.template.agreementType)) {
    return { kind: 'NotCustomerAgreement', agreementType: candidate.template.agreementType };
  }
  if (candidate.dateAgreed.getTime() > now.getTime() + CLOCK_SKEW_MS) return { kind: 'DateAgreedInFuture' };
  return undefined;
}
