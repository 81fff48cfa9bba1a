import { indirectLinkRejection } from './indirect-link-rules';

describe('D-07: who may link an indirect reseller', () => {
  it('D-07: an indirect provider links a registered indirect reseller', () => {
    expect(indirectLinkRejection('IndirectProvider', 'IndirectReseller')).toBeUndefined();
  });

  it.each([['DirectBill'], ['IndirectReseller'], [undefined]] as const)(
    'D-07: a %s caller is not an indirect provider',
    (provider) => {
      expect(indirectLinkRejection(provider, 'IndirectReseller')).toEqual({ kind: 'NotAnIndirectProvider' });
    },
  );

  it('D-07: the reseller must be registered, and as an indirect reseller', () => {
    expect(indirectLinkRejection('IndirectProvider', undefined)).toEqual({ kind: 'ResellerNotRegistered' });
    expect(indirectLinkRejection('IndirectProvider', 'DirectBill')).toEqual({
      kind: 'NotAnIndirectReseller',
      partnerType: 'DirectBill',
    });
    expect(indirectLinkRejection('IndirectProvider', 'IndirectProvider')).toEqual({
      kind: 'NotAnIndirectReseller',
      partnerType: 'IndirectProvider',
    });
  });
});
