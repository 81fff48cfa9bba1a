import { PartnerType } from '@app/contracts';

export type IndirectLinkRejection =
  | { kind: 'NotAnIndirectProvider' }
  | { kind: 'ResellerNotRegistered' }
  | { kind: 'NotAnIndirectReseller'; partnerType: PartnerType };

/**
 * D-07: only a partner registered as an IndirectProvider links, and only a registered IndirectReseller
 * can be linked. `undefined` stands for a partner that is not registered.
 */
export function indirectLinkRejection(
  provider: PartnerType | undefined,
  reseller: PartnerType | undefined,
): IndirectLinkRejection | undefined {
  if (provider !== PartnerType.IndirectProvider) return { kind: 'NotAnIndirectProvider' };
  if (reseller === undefined) return { kind: 'ResellerNotRegistered' };
  if (reseller !== PartnerType.IndirectReseller)
    return { kind: 'NotAnIndirectReseller', partnerType: reseller };
  return undefined;
}
