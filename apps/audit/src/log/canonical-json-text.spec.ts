import fc from 'fast-check';
import { hostileValue } from '@app/testing';
import { canonicalJson, NotStorableJsonError } from './audit-chain';
import { canonicalJsonOfText } from './canonical-json-text';

/** Text laid out as PostgreSQL's jsonb output is: keys by length then bytes, ", " and ": " between. */
function jsonbLikeText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(jsonbLikeText).join(', ')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(
      (a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbLikeText(record[k])}`).join(', ')}}`;
}

const oracle = (text: string) => canonicalJson(JSON.parse(text), false);

describe('canonical JSON from JSON text (what verify reads the stored envelopes with)', () => {
  it('U-02: gives what canonicalJson gives for the parsed value, for any JSON text', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(canonicalJsonOfText(text)).toBe(oracle(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("U-02: gives it for text laid out as jsonb's output, hostile strings and keys included", () => {
    const value = fc
      .jsonValue()
      .chain((v) =>
        fc
          .dictionary(
            fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', maxLength: 20 })),
            hostileValue,
          )
          .map((extra) => ({ v, extra })),
      );
    fc.assert(
      fc.property(value, (v) => {
        const text = jsonbLikeText(JSON.parse(JSON.stringify(v)));
        expect(canonicalJsonOfText(text)).toBe(oracle(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('U-02: numbers as JSON.stringify writes their double, escapes as it writes them, keys in UTF-16 order', () => {
    const cases = [
      '{"b": 1.50, "a": -0, "c": 1e3, "d": 12345678901234567890, "e": 1E400, "f": 0.1, "g": -12.5e-3}',
      '{"\\u0041": "\\u00e9\\/\\n\\u001f", "a": "\\ud83d\\ude00", "\\ud800": true}',
      '{"\uffff": 1, "\ud83d\ude00": 2, "z": 3, "": 4}',
      '{"a": 1, "b": 2, "a": 3}',
      '{"c": 1, "a": 2, "c": 3}',
      ' [ 1 , { } , [ ] , "" , null , false , true ] ',
      '"just a string"',
      '{"__proto__": {"x": 1}, "constructor": 2}',
    ];
    for (const text of cases) expect(canonicalJsonOfText(text)).toBe(oracle(text));
    expect(canonicalJsonOfText('{"\uffff": 1, "\ud83d\ude00": 2}')).toBe('{"\ud83d\ude00":2,"\uffff":1}');
  });

  it('U-02: refuses a value nested deeper than canonicalJson stores, as it does', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(canonicalJsonOfText(deep(101))).toBe(oracle(deep(101)));
    expect(() => oracle(deep(102))).toThrow(NotStorableJsonError);
    expect(() => canonicalJsonOfText(deep(102))).toThrow(NotStorableJsonError);
  });

  it('U-02: refuses text that is not JSON, as JSON.parse does', () => {
    for (const text of [
      '',
      '{',
      '{"a" 1}',
      '[1,]',
      '{"a":1,}',
      'tru',
      '01',
      '1.',
      '"\u0001"',
      '{"a":1} x',
      '+1',
    ]) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => canonicalJsonOfText(text)).toThrow(SyntaxError);
    }
  });
});
