import {
  canonicalJson,
  ChainedRow,
  ChainVerifier,
  chainHash,
  GENESIS_HASH,
  NotStorableJsonError,
  rowContent,
} from './audit-chain';
import { decodeCursor, encodeCursor, toAuditFilter } from './audit-query';
import { toAuditRecord } from './audit-record';

const row = (eventId: string): ChainedRow => ({
  eventId,
  eventType: 'AgreementAttested',
  topic: 'agreements.acceptance',
  partition: 0,
  offset: '7',
  kafkaTimestamp: '2026-11-21T10:00:00.000Z',
  key: null,
  headers: { 'event-id': eventId },
  partnerId: null,
  customerTenantId: null,
  orderId: null,
  occurredAt: null,
  receivedAt: '2026-11-21T10:00:00.001Z',
  envelopeJson: canonicalJson({ eventId, data: { b: 1, a: [true, null] } }),
  raw: null,
  invalidReason: null,
});

function chain(ids: string[]) {
  let previous = GENESIS_HASH;
  return ids.map((id, i) => {
    const r = row(id);
    previous = chainHash(previous, i + 1, rowContent(r));
    return { sequence: i + 1, hash: previous, row: r };
  });
}

describe('the hash chain (U-02)', () => {
  it('U-02: canonical JSON is the same whatever the key order, and refuses what jsonb cannot hold', () => {
    expect(canonicalJson({ b: { d: 1, c: 'x' }, a: [2, 1] })).toBe('{"a":[2,1],"b":{"c":"x","d":1}}');
    expect(() => canonicalJson({ a: 'nul\u0000' })).toThrow(NotStorableJsonError);
    expect(() => canonicalJson({ a: '\ud800' })).toThrow(NotStorableJsonError);
    expect(toAuditRecord('agreements.acceptance', Buffer.from('{"a":"\\u0000"}'))).toMatchObject({
      envelope: null,
      invalidReason: expect.stringMatching(/NUL/),
    });
  });

  it('U-02: verify finds the first changed row, a removed row and a cut tail', () => {
    const rows = chain(['a', 'b', 'c']);
    const verify = (input: typeof rows, head = rows[rows.length - 1]) => {
      const v = new ChainVerifier();
      v.push(input);
      return v.finish({ sequence: head.sequence, hash: head.hash });
    };
    expect(verify(rows)).toEqual({ ok: true, checked: 3, firstBrokenSequence: null });
    const changed = rows.map((r, i) => (i === 1 ? { ...r, row: { ...r.row, partnerId: 'someone' } } : r));
    expect(verify(changed)).toEqual({ ok: false, checked: 2, firstBrokenSequence: 2 });
    expect(verify([rows[0], rows[2]]).firstBrokenSequence).toBe(2);
    expect(verify(rows.slice(0, 2)).firstBrokenSequence).toBe(3);
  });
});

describe('the reads (U-03)', () => {
  it('U-03: a cursor round-trips and anything else is refused with 610400', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    for (const bad of ['', 'abc', Buffer.from('v2:1').toString('base64url'), '../../etc']) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 610400 }));
    }
  });

  it("U-03: a partner's filter is always its own partner; naming another is refused with 610404", () => {
    const me = '11111111-1111-4111-8111-111111111111';
    expect(toAuditFilter({}, { tenantId: me, isAuditor: false }).partnerId).toBe(me);
    expect(toAuditFilter({}, { tenantId: me, isAuditor: true }).partnerId).toBeUndefined();
    expect(() =>
      toAuditFilter(
        { partnerId: '22222222-2222-4222-8222-222222222222' },
        { tenantId: me, isAuditor: false },
      ),
    ).toThrow(expect.objectContaining({ code: 610404 }));
  });
});
