import { createHash } from 'crypto';
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

/*
 * Vectors computed outside this code, with coreutils, when the test was written:
 *   { head -c 32 /dev/zero; printf '1\n'; printf '%s' "$CONTENT_1"; } | sha256sum
 *   { printf '%s' "$HASH_1" | xxd -r -p; printf '2\n'; printf '%s' "$CONTENT_2"; } | sha256sum   (and so on)
 * The contents are written out by hand from the format in audit-chain.ts. A change to the format, the
 * canonical JSON or the hash makes these fail, however the code under test agrees with itself.
 */
describe('the hash chain against vectors computed outside the code (U-02)', () => {
  /** Keys out of order, nested, non-ASCII keys and values, a character outside the BMP. */
  const envelope = { zeta: 'ü', Émile: '😀', alpha: { b: [1, 'é'], a: null }, B: true };
  const CANONICAL = '{"B":true,"alpha":{"a":null,"b":[1,"é"]},"zeta":"ü","Émile":"😀"}';

  const rows: Array<{ row: ChainedRow; content: string; hash: string }> = [
    {
      row: row('e-1'),
      content:
        '["e-1","AgreementAttested","agreements.acceptance",0,"7","2026-11-21T10:00:00.000Z",null,' +
        '{"event-id":"e-1"},null,null,null,null,"2026-11-21T10:00:00.001Z",' +
        '{"data":{"a":[true,null],"b":1},"eventId":"e-1"},null,null]',
      hash: '4271192337c4c31832c062eb96142248dd8023f10ba2fbc26d5fdcd46b4de122',
    },
    {
      row: {
        eventId: null,
        eventType: null,
        topic: 'orders.requested',
        partition: 2,
        offset: '41',
        kafkaTimestamp: '2026-11-21T10:00:01.000Z',
        key: 'clé-😀',
        headers: { z: 'ü', a: '1' },
        partnerId: null,
        customerTenantId: null,
        orderId: null,
        occurredAt: null,
        receivedAt: '2026-11-21T10:00:01.002Z',
        envelopeJson: null,
        raw: Buffer.from('<order/>'),
        invalidReason: 'not valid JSON',
      },
      content:
        '[null,null,"orders.requested",2,"41","2026-11-21T10:00:01.000Z","clé-😀",{"a":"1","z":"ü"},' +
        'null,null,null,null,"2026-11-21T10:00:01.002Z",null,"PG9yZGVyLz4=","not valid JSON"]',
      hash: '073e5f5baa8020be50a756f8acfd97f0ae5998f195f17340cd7f9aa24eaf346b',
    },
    {
      row: {
        ...row('e-3'),
        eventType: 'CustomerAgreementAccepted',
        partition: 1,
        offset: '9007199254740993',
        kafkaTimestamp: '2026-11-21T10:00:02.000Z',
        headers: {},
        customerTenantId: 'c-3',
        occurredAt: '2026-11-21T09:59:59.999Z',
        receivedAt: '2026-11-21T10:00:02.003Z',
        envelopeJson: canonicalJson(envelope),
      },
      content:
        '["e-3","CustomerAgreementAccepted","agreements.acceptance",1,"9007199254740993",' +
        '"2026-11-21T10:00:02.000Z",null,{},null,"c-3",null,"2026-11-21T09:59:59.999Z",' +
        `"2026-11-21T10:00:02.003Z",${CANONICAL},null,null]`,
      hash: 'f58e7ef354ad2d3755341e5a34481ac27384cc9e4186a55b77c2d47fb80628bf',
    },
  ];

  it('U-02: canonical JSON sorts keys by UTF-16 code unit at every level and keeps non-ASCII text as it is', () => {
    expect(canonicalJson(envelope)).toBe(CANONICAL);
    // sha256 of its UTF-8 bytes, from `printf '%s' "$CANONICAL" | sha256sum`: the bytes, not just the characters.
    expect(createHash('sha256').update(canonicalJson(envelope)).digest('hex')).toBe(
      '361e5c1a3877ac04efb14801336829facc3470696a59dae8e864cd6f9143c4db',
    );
  });

  it('U-02: a row is hashed as its sequence, a newline and its fields in order, after the previous hash', () => {
    let previous = GENESIS_HASH;
    rows.forEach(({ row: r, content, hash }, i) => {
      expect(rowContent(r)).toBe(content);
      previous = chainHash(previous, i + 1, rowContent(r));
      expect(previous.toString('hex')).toBe(hash);
    });
  });

  it('U-02: the verifier accepts exactly the hashes computed outside the code', () => {
    const stored = rows.map(({ row: r, hash }, i) => ({
      sequence: i + 1,
      hash: Buffer.from(hash, 'hex'),
      row: r,
    }));
    const verifier = new ChainVerifier();
    verifier.push(stored);
    expect(verifier.finish({ sequence: 3, hash: stored[2].hash })).toEqual({
      ok: true,
      checked: 3,
      firstBrokenSequence: null,
    });
    const flipped = Buffer.from(rows[1].hash, 'hex');
    flipped[31] ^= 1;
    const tampered = new ChainVerifier();
    tampered.push(stored.map((s) => (s.sequence === 2 ? { ...s, hash: flipped } : s)));
    expect(tampered.finish({ sequence: 3, hash: stored[2].hash }).firstBrokenSequence).toBe(2);
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
