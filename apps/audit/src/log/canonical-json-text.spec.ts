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

/** canonicalJson of the value a text was written from (never of JSON.parse's answer: see the last case). */
const oracle = (value: unknown) => canonicalJson(value, false);

describe('canonical JSON from JSON text (what verify reads the stored envelopes with)', () => {
  it('U-02: gives what canonicalJson gives for the value, for JSON text written any way', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t', '\r\n '), (value, space) => {
        const text =
          space === '\r\n '
            ? JSON.stringify(value, null, 1).replaceAll('\n', space)
            : JSON.stringify(value, null, space);
        expect(canonicalJsonOfText(text)).toBe(oracle(value));
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
        expect(canonicalJsonOfText(jsonbLikeText(v))).toBe(oracle(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('U-02: numbers as JSON.stringify writes their double, escapes as it writes them, keys in UTF-16 order', () => {
    const cases: Array<[string, string]> = [
      [
        '{"b": 1.50, "a": -0, "c": 1e3, "d": 12345678901234567890, "e": 1E400, "f": 0.1, "g": -12.5e-3}',
        '{"a":0,"b":1.5,"c":1000,"d":12345678901234567000,"e":null,"f":0.1,"g":-0.0125}',
      ],
      [
        String.raw`{"\u0041": "\u00e9\/\n\u001f", "a": "\ud83d\ude00", "\ud800": true}`,
        String.raw`{"A":"é/\n\u001f","a":"😀","\ud800":true}`,
      ],
      ['{"\uffff": 1, "\ud83d\ude00": 2, "z": 3, "": 4}', '{"":4,"z":3,"\ud83d\ude00":2,"\uffff":1}'],
      ['{"a": 1, "b": 2, "a": 3}', '{"a":3,"b":2}'],
      ['{"c": 1, "a": 2, "c": 3}', '{"a":2,"c":3}'],
      [' [ 1 , { } , [ ] , "" , null , false , true ] ', '[1,{},[],"",null,false,true]'],
      ['\t{\r\n"b":\t"x",\n"a": 1}\n', '{"a":1,"b":"x"}'],
      ['"just a string"', '"just a string"'],
      ['{"__proto__": {"x": 1}, "constructor": 2}', '{"__proto__":{"x":1},"constructor":2}'],
    ];
    for (const [text, canonical] of cases) expect(canonicalJsonOfText(text)).toBe(canonical);
  });

  it('U-02: reads every key right where Node\'s JSON.parse does not (after a key "\\\\", the key \'"\')', () => {
    expect(canonicalJsonOfText(String.raw`{"\\": 1}`)).toBe(String.raw`{"\\":1}`);
    expect(canonicalJsonOfText(String.raw`{"\"": 1}`)).toBe(String.raw`{"\"":1}`);
    expect(canonicalJsonOfText(String.raw`{"\\": {"\"": 1}}`)).toBe(String.raw`{"\\":{"\"":1}}`);
  });

  it('U-02: refuses a value nested deeper than canonicalJson stores, as it does', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const nested = (n: number): unknown => (n === 0 ? [] : [nested(n - 1)]);
    expect(canonicalJsonOfText(deep(101))).toBe(oracle(nested(100)));
    expect(() => oracle(nested(101))).toThrow(NotStorableJsonError);
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
      '"a\nb"',
      '{"a\tb": 1}',
      '["\\n\r"]',
    ]) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => canonicalJsonOfText(text)).toThrow(SyntaxError);
    }
  });
});
