import {
  AttestationFacts,
  AttestationRequest,
  isExactRepeat,
  judgeAttestation,
  mayBeLag,
} from './attestation-rules';

const now = new Date('2026-03-01T12:00:00.000Z');
const request = (over: Partial<AttestationRequest> = {}): AttestationRequest => ({
  type: 'MicrosoftCustomerAgreement',
  dateAgreed: new Date('2026-02-28T09:00:00.000Z'),
  now,
  requireRelationship: true,
  ...over,
});
const givenRelatedDirectBillPartner = (over: Partial<AttestationFacts> = {}): AttestationFacts => ({
  template: { agreementType: 'MicrosoftCustomerAgreement', retiredFrom: null },
  partner: { partnerType: 'DirectBill', cloud: 'Public' },
  customer: { cloud: 'Public' },
  relationshipActive: true,
  ...over,
});

describe('attestation rules (pure)', () => {
  it('A-01: a related direct-bill partner attesting a published template is accepted', () => {
    expect(judgeAttestation(request(), givenRelatedDirectBillPartner())).toBeNull();
  });

  it('A-02: a date beyond the clock-skew allowance is in the future; within it, accepted', () => {
    expect(
      judgeAttestation(
        request({ dateAgreed: new Date(now.getTime() + 6 * 60000) }),
        givenRelatedDirectBillPartner(),
      ),
    ).toEqual({
      reason: 'DateAgreedInFuture',
    });
    expect(
      judgeAttestation(
        request({ dateAgreed: new Date(now.getTime() + 60000) }),
        givenRelatedDirectBillPartner(),
      ),
    ).toBeNull();
    expect(
      judgeAttestation(
        request({ dateAgreed: new Date('1999-12-31T23:59:59Z') }),
        givenRelatedDirectBillPartner(),
      ),
    ).toEqual({
      reason: 'DateAgreedTooEarly',
    });
  });

  it('A-04: unknown template, mismatched type', () => {
    expect(judgeAttestation(request(), givenRelatedDirectBillPartner({ template: undefined }))).toEqual({
      reason: 'TemplateNotFound',
    });
    expect(
      judgeAttestation(request({ type: 'MicrosoftCloudAgreement' }), givenRelatedDirectBillPartner()),
    ).toEqual({
      reason: 'TemplateTypeMismatch',
      templateType: 'MicrosoftCustomerAgreement',
    });
  });

  it('T-06: a template retired before now is refused; before its retirement it was accepted', () => {
    const facts = givenRelatedDirectBillPartner({
      template: { agreementType: 'MicrosoftCloudAgreement', retiredFrom: new Date('2020-02-01T00:00:00Z') },
    });
    expect(judgeAttestation(request({ type: 'MicrosoftCloudAgreement' }), facts)).toEqual({
      reason: 'TemplateRetired',
    });
    const before = new Date('2020-01-31T00:00:00Z');
    expect(
      judgeAttestation(
        request({
          type: 'MicrosoftCloudAgreement',
          now: before,
          dateAgreed: new Date('2020-01-30T00:00:00Z'),
        }),
        facts,
      ),
    ).toBeNull();
  });

  it('A-06: an indirect reseller is refused; an indirect provider attests', () => {
    expect(
      judgeAttestation(
        request(),
        givenRelatedDirectBillPartner({ partner: { partnerType: 'IndirectReseller', cloud: 'Public' } }),
      ),
    ).toEqual({ reason: 'IndirectResellerCannotAttest' });
    expect(
      judgeAttestation(
        request(),
        givenRelatedDirectBillPartner({ partner: { partnerType: 'IndirectProvider', cloud: 'Public' } }),
      ),
    ).toBeNull();
  });

  it('A-07: a partner or a customer in a national cloud is refused', () => {
    expect(
      judgeAttestation(
        request(),
        givenRelatedDirectBillPartner({ partner: { partnerType: 'DirectBill', cloud: 'Germany' } }),
      ),
    ).toEqual({ reason: 'PartnerInNationalCloud', cloud: 'Germany' });
    expect(
      judgeAttestation(request(), givenRelatedDirectBillPartner({ customer: { cloud: 'China21Vianet' } })),
    ).toEqual({
      reason: 'CustomerInNationalCloud',
      cloud: 'China21Vianet',
    });
  });

  it('A-17: unknown partner, unknown customer, no or a terminated relationship are refused, and worth a catch-up', () => {
    for (const [facts, reason] of [
      [givenRelatedDirectBillPartner({ partner: undefined }), 'PartnerNotRegistered'],
      [givenRelatedDirectBillPartner({ customer: undefined }), 'CustomerNotFound'],
      [givenRelatedDirectBillPartner({ relationshipActive: undefined }), 'NoActiveRelationship'],
      [givenRelatedDirectBillPartner({ relationshipActive: false }), 'NoActiveRelationship'],
    ] as const) {
      const refusal = judgeAttestation(request(), facts);
      expect(refusal).toEqual({ reason });
      expect(mayBeLag(refusal)).toBe(true);
    }
    expect(
      mayBeLag(judgeAttestation(request(), givenRelatedDirectBillPartner({ template: undefined }))),
    ).toBe(false);
  });

  it('A-17: with the requirement off, what is unknown is not held against the partner', () => {
    expect(
      judgeAttestation(request({ requireRelationship: false }), {
        template: givenRelatedDirectBillPartner().template,
      }),
    ).toBeNull();
  });

  it('A-08: only the same template, contact and date is an exact repeat', () => {
    const current = {
      templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
      dateAgreed: new Date('2026-02-28T09:00:00.000Z'),
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
    };
    expect(isExactRepeat(undefined, current)).toBe(false);
    expect(
      isExactRepeat(current, {
        ...current,
        primaryContact: { ...current.primaryContact, phoneNumber: null },
      }),
    ).toBe(true);
    expect(isExactRepeat(current, { ...current, dateAgreed: new Date('2026-02-28T09:00:01.000Z') })).toBe(
      false,
    );
    expect(
      isExactRepeat(current, {
        ...current,
        primaryContact: { ...current.primaryContact, email: 'ada2@contoso.example' },
      }),
    ).toBe(false);
  });
});
