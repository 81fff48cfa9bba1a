import {
  canonicalJson,
  ChainedRow,
  ChainVerifier,
  chainHash,
  GENESIS_HASH,
  rowContent,
} from '../log/audit-chain';

const row = (eventId: string, partnerId: string | null = null): ChainedRow => ({
  eventId,
  eventType: 'AgreementAttested',
  topic: 'agreements.acceptance',
  partition: 0,
  offset: '7',
  kafkaTimestamp: '2026-11-21T10:00:00.000Z',
  key: null,
  headers: {},
  partnerId,
  customerTenantId: null,
  orderId: null,
  occurredAt: null,
  receivedAt: '2026-11-21T10:00:00.001Z',
  envelopeJson: canonicalJson({ eventId }),
  raw: null,
  invalidReason: null,
});

/** A consistent chain of these rows: what someone holding the database can always write. */
function chain(rows: ChainedRow[]) {
  let previous = GENESIS_HASH;
  return rows.map((r, i) => {
    previous = chainHash(previous, i + 1, rowContent(r));
    return { sequence: i + 1, hash: previous, row: r };
  });
}

type Rows = ReturnType<typeof chain>;

function verify(rows: Rows, head: { sequence: number; hash: Buffer }, checkpoint: Rows[number] | null) {
  const v = new ChainVerifier(checkpoint && { sequence: checkpoint.sequence, hash: checkpoint.hash });
  v.push(rows.filter((r) => r.sequence <= Math.max(head.sequence, checkpoint?.sequence ?? 0)));
  return v.finish(head);
}

const headOf = (rows: Rows) => rows[rows.length - 1];

describe('U-07: the chain is verified against the latest signed checkpoint', () => {
  const original = chain(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => row(id)));
  const checkpoint = original[4]; // signed when the head was at 5; the 6th row came after it

  it('U-07: an untouched log verifies, up to its head, past the checkpoint', () => {
    expect(verify(original, headOf(original), checkpoint)).toEqual({
      ok: true,
      checked: 6,
      firstBrokenSequence: null,
    });
  });

  it('U-07: a head moved back below the checkpoint is found at the first sequence it no longer covers', () => {
    expect(verify(original, original[2], checkpoint)).toMatchObject({ ok: false, firstBrokenSequence: 4 });
    expect(verify(original, original[2], null).ok).toBe(true);
  });

  it('U-07: a tail deleted with the head moved back is found at the first missing row', () => {
    const cut = original.slice(0, 3);
    expect(verify(cut, headOf(cut), checkpoint)).toMatchObject({ ok: false, firstBrokenSequence: 4 });
    expect(verify(cut, headOf(cut), null).ok).toBe(true);
  });

  it("U-07: a chain recomputed after a change is found at the checkpoint's sequence", () => {
    const rows = original.map((r) => r.row);
    const recomputed = chain(rows.map((r, i) => (i === 1 ? row('b', 'someone') : r)));
    expect(verify(recomputed, headOf(recomputed), null).ok).toBe(true);
    expect(verify(recomputed, headOf(recomputed), checkpoint)).toMatchObject({
      ok: false,
      firstBrokenSequence: 5,
    });
  });
});
