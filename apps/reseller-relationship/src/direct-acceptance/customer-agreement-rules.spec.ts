import { CLOCK_SKEW_MS, customerAgreementRejection } from './customer-agreement-rules';

const now = new Date('2026-11-21T10:00:00.000Z');
const mca = { agreementType: 'MicrosoftCustomerAgreement' } as const;
const accepted = { customerCloud: 'Public', template: mca, dateAgreed: now } as const;

describe('customerAgreementRejection (D-04)', () => {
  it('D-04: a Public-cloud customer accepts the Microsoft Customer Agreement', () => {
    expect(customerAgreementRejection(accepted, now)).toBeUndefined();
  });

  it('D-04: direct acceptance exists only for the Microsoft Customer Agreement', () => {
    expect(
      customerAgreementRejection(
        { ...accepted, template: { agreementType: 'MicrosoftCloudAgreement' } },
        now,
      ),
    ).toEqual({ kind: 'NotCustomerAgreement', agreementType: 'MicrosoftCloudAgreement' });
    expect(customerAgreementRejection({ ...accepted, template: undefined }, now)).toEqual({
      kind: 'TemplateNotFound',
    });
  });

  it.each([['UsGovernment'], ['Germany'], ['China21Vianet']] as const)(
    'D-04, A-07: a customer in the %s cloud is refused',
    (cloud) => {
      expect(customerAgreementRejection({ ...accepted, customerCloud: cloud }, now)).toEqual({
        kind: 'NationalCloud',
        cloud,
      });
    },
  );

  it('D-04: dateAgreed may be up to five minutes ahead of our clock, not more', () => {
    const atSkew = new Date(now.getTime() + CLOCK_SKEW_MS);
    const pastSkew = new Date(now.getTime() + CLOCK_SKEW_MS + 1);
    expect(customerAgreementRejection({ ...accepted, dateAgreed: atSkew }, now)).toBeUndefined();
    expect(customerAgreementRejection({ ...accepted, dateAgreed: pastSkew }, now)).toEqual({
      kind: 'DateAgreedInFuture',
    });
  });
});
