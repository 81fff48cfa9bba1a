import { decodeContinuationToken, encodeContinuationToken } from './continuation-token';
import { csvLine } from './records-csv';

describe('A-16: customer agreement records export', () => {
  it('A-16, S-10: quotes CSV cells and defuses spreadsheet formulas', () => {
    const line = csvLine({
      customerTenantId: '2f1e4c0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: undefined,
      dateAgreed: '2026-11-20T09:00:00.000Z',
      firstName: '=HYPERLINK("x")',
      lastName: 'Lovelace, Ada',
      email: 'say "hi"',
      phoneNumber: undefined,
      status: 'Active',
      attestationId: 'a',
      userId: 'u',
      attestedBy: '@SUM(A1)',
    });
    expect(line).toBe(
      '2f1e4c0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b,MicrosoftCustomerAgreement,,2026-11-20T09:00:00.000Z,' +
        `"'=HYPERLINK(""x"")","Lovelace, Ada","say ""hi""",,Active,a,u,"'@SUM(A1)"\r\n`,
    );
  });

  it('A-16: a continuation token round-trips and a forged one is refused', () => {
    const id = '2f1e4c0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    expect(decodeContinuationToken(encodeContinuationToken(id))).toBe(id);
    expect(decodeContinuationToken('not a token')).toBeUndefined();
    expect(decodeContinuationToken(Buffer.from('{"v":1,"after":"x"}').toString('base64url'))).toBeUndefined();
    expect(decodeContinuationToken(Buffer.from('[]').toString('base64url'))).toBeUndefined();
  });
});
