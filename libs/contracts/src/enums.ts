/* The closed vocabularies of docs/contract.md and docs/domain.md. Each is an `as const` object (for values), a type of
 * the same name (for signatures) and a list (for `@IsIn` and iteration). */

export const PartnerType = {
  DirectBill: 'DirectBill',
  IndirectProvider: 'IndirectProvider',
  IndirectReseller: 'IndirectReseller',
} as const;
export type PartnerType = (typeof PartnerType)[keyof typeof PartnerType];
export const PARTNER_TYPES: readonly PartnerType[] = Object.values(PartnerType);

export const Cloud = {
  Public: 'Public',
  UsGovernment: 'UsGovernment',
  Germany: 'Germany',
  China21Vianet: 'China21Vianet',
} as const;
export type Cloud = (typeof Cloud)[keyof typeof Cloud];
export const CLOUDS: readonly Cloud[] = Object.values(Cloud);

/** Clouds where attestation is not supported and orders are exempt from the gate (G-06). */
export const NATIONAL_CLOUDS: readonly Cloud[] = [Cloud.UsGovernment, Cloud.Germany, Cloud.China21Vianet];

export function isNationalCloud(cloud: string): boolean {
  return (NATIONAL_CLOUDS as readonly string[]).includes(cloud);
}

export const AgreementType = {
  MicrosoftCloudAgreement: 'MicrosoftCloudAgreement',
  MicrosoftCustomerAgreement: 'MicrosoftCustomerAgreement',
} as const;
export type AgreementType = (typeof AgreementType)[keyof typeof AgreementType];
export const AGREEMENT_TYPES: readonly AgreementType[] = Object.values(AgreementType);

export const OrderKind = {
  NewPurchase: 'NewPurchase',
  SeatChange: 'SeatChange',
  Upgrade: 'Upgrade',
  TermChange: 'TermChange',
  ManualRenewal: 'ManualRenewal',
  AutoRenewal: 'AutoRenewal',
  Cancellation: 'Cancellation',
} as const;
export type OrderKind = (typeof OrderKind)[keyof typeof OrderKind];
export const ORDER_KINDS: readonly OrderKind[] = Object.values(OrderKind);

export const Channel = {
  Api: 'Api',
  Dashboard: 'Dashboard',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];
export const CHANNELS: readonly Channel[] = Object.values(Channel);

export const ApprovedReason = {
  AcceptanceConfirmed: 'AcceptanceConfirmed',
  AutoRenewalExempt: 'AutoRenewalExempt',
  CancellationExempt: 'CancellationExempt',
  NationalCloudExempt: 'NationalCloudExempt',
  EnforcementNotYetEffective: 'EnforcementNotYetEffective',
} as const;
export type ApprovedReason = (typeof ApprovedReason)[keyof typeof ApprovedReason];
export const APPROVED_REASONS: readonly ApprovedReason[] = Object.values(ApprovedReason);

export const BlockedReason = {
  AcceptanceMissing: 'AcceptanceMissing',
  AcceptanceWithdrawn: 'AcceptanceWithdrawn',
  AgreementTypeSuperseded: 'AgreementTypeSuperseded',
  TemplateOutdated: 'TemplateOutdated',
  ReacceptanceRequired: 'ReacceptanceRequired',
  NoResellerRelationship: 'NoResellerRelationship',
  /** T-08: a legacy attestation recorded on or after the retirement cut-off, once the entry is switched on. */
  LegacyAttestationRetired: 'LegacyAttestationRetired',
  /** G-14: the request failed validation; the decision's message lists what is wrong. */
  InvalidOrder: 'InvalidOrder',
} as const;
export type BlockedReason = (typeof BlockedReason)[keyof typeof BlockedReason];
export const BLOCKED_REASONS: readonly BlockedReason[] = Object.values(BlockedReason);

export type DecisionReason = ApprovedReason | BlockedReason;

export const AcceptanceSource = {
  PartnerAttestation: 'PartnerAttestation',
  CustomerDirect: 'CustomerDirect',
} as const;
export type AcceptanceSource = (typeof AcceptanceSource)[keyof typeof AcceptanceSource];
export const ACCEPTANCE_SOURCES: readonly AcceptanceSource[] = Object.values(AcceptanceSource);

export const Role = {
  AdminAgent: 'AdminAgent',
  SalesAgent: 'SalesAgent',
  HelpdeskAgent: 'HelpdeskAgent',
  Auditor: 'Auditor',
  PlatformAdmin: 'PlatformAdmin',
  Customer: 'Customer',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES: readonly Role[] = Object.values(Role);
