import { acceptanceTokenHash, acceptanceUrl, newAcceptanceToken } from './acceptance-token';
import { effectiveStatus } from './enhanced-attestation-row';
import { canonicalJson, evidenceHash, typedProblems } from './evidence';

const expected = { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' };
const typed = (over: Record<string, unknown> = {}) => ({
  signatoryFirstName: 'Grace',
  signatoryLastName: 'Hopper',
  signatoryEmail: 'grace@contoso.example',
  accept: true,
  ...over,
});

describe('the evidence of an enhanced acceptance (E-03)', () => {
  it('E-03: the canonical JSON does not depend on key order, and its SHA-256 seals every field', () => {
    const a = canonicalJson({ b: 1, a: { d: 'x', c: [2, { f: true, e: null }] } });
    const b = canonicalJson({ a: { c: [2, { e: null, f: true }], d: 'x' }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"c":[2,{"e":null,"f":true}],"d":"x"},"b":1}');
    expect(evidenceHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(evidenceHash(a)).not.toBe(evidenceHash(canonicalJson({ b: 2, a: {} })));
  });

  it('E-03: the typed names and email match trimmed and case-insensitively, and acceptance must be explicit', () => {
    expect(typedProblems(expected, typed())).toEqual([]);
    expect(
      typedProblems(
        expected,
        typed({
          signatoryFirstName: ' GRACE ',
          signatoryLastName: 'hopper',
          signatoryEmail: 'Grace@Contoso.EXAMPLE ',
        }),
      ),
    ).toEqual([]);
    expect(typedProblems(expected, typed({ accept: 'true' }))).toEqual([
      { field: 'accept', code: 'MustAccept' },
    ]);
    expect(
      typedProblems(expected, typed({ signatoryFirstName: 'Gracie', signatoryEmail: undefined })),
    ).toEqual([
      { field: 'signatoryFirstName', code: 'DoesNotMatch' },
      { field: 'signatoryEmail', code: 'Required' },
    ]);
  });

  it('E-01: a token is 32 random bytes in base64url; only a well-formed one has a lookup hash; the link sits under the base', () => {
    const token = newAcceptanceToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newAcceptanceToken()).not.toBe(token);
    expect(acceptanceTokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(acceptanceTokenHash(`${token}=`)).toBeUndefined();
    expect(acceptanceTokenHash('short')).toBeUndefined();
    expect(acceptanceUrl('https://x.example/base/', token)).toBe(
      `https://x.example/base/acceptance/${token}`,
    );
  });

  it('E-05: a pending attestation is Expired from its expiry on; other statuses stay', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(effectiveStatus({ status: 'Pending', expires_at: at }, new Date(at.getTime() - 1))).toBe(
      'Pending',
    );
    expect(effectiveStatus({ status: 'Pending', expires_at: at }, at)).toBe('Expired');
    expect(effectiveStatus({ status: 'Accepted', expires_at: at }, new Date(at.getTime() + 1))).toBe(
      'Accepted',
    );
  });
});
