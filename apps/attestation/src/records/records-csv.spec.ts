import { decodeContinuationToken, encodeContinuationToken } from './continuation-token';
import { csvCell } from './records-csv';

describe('A-16: customer agreement records export', () => {
  it('A-16: quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('Ada')).toBe('Ada');
    expect(csvCell('Lovelace, Ada')).toBe('"Lovelace, Ada"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(undefined)).toBe('');
  });

  it('A-16: a continuation token round-trips and a forged one is refused', () => {
    const id = '2f1e4c0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    expect(decodeContinuationToken(encodeContinuationToken(id))).toBe(id);
    expect(decodeContinuationToken('not a token')).toBeUndefined();
    expect(decodeContinuationToken(Buffer.from('{"v":1,"after":"x"}').toString('base64url'))).toBeUndefined();
    expect(decodeContinuationToken(Buffer.from('[]').toString('base64url'))).toBeUndefined();
  });
});
