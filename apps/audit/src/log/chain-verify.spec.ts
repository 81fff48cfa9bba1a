import fc from 'fast-check';
import { canonicalJson, ChainedRow, rowContent } from './audit-chain';
import { ChainContentWriter } from './chain-verify';

/** PostgreSQL's binary COPY values of a stored row, in the order verify selects them. */
function copyFields(row: ChainedRow, envelope: unknown | null): Array<Buffer | null> {
  const int8 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(n);
    return b;
  };
  const int4 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const text = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'));
  const time = (iso: string | null) =>
    iso === null ? null : int8((BigInt(Date.parse(iso)) - 946684800000n) * 1000n);
  return [
    int8(1n),
    Buffer.alloc(32),
    text(row.eventId),
    text(row.eventType),
    text(row.topic),
    int4(row.partition),
    int8(BigInt(row.offset)),
    time(row.kafkaTimestamp),
    text(row.key),
    // jsonb's text puts spaces after ':' and ','; the writer re-writes it canonically.
    text(JSON.stringify(row.headers, null, 1)),
    text(row.partnerId),
    text(row.customerTenantId),
    text(row.orderId),
    time(row.occurredAt),
    time(row.receivedAt),
    envelope === null ? null : text(JSON.stringify(envelope, null, 1)),
    row.raw,
    text(row.invalidReason),
  ];
}

/** A string PostgreSQL's text can hold: no NUL, no lone surrogate. */
const storable = fc
  .string({
    unit: fc.oneof(
      fc.constant('"'),
      fc.constant('\\'),
      fc.constant('\u0001'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
  })
  .map((s) => s.replaceAll('\u0000', '\ufffd'));
/** Times of the years 1 to 9999, in milliseconds, as ingest stores them. */
const iso = fc
  .integer({ min: -62135596800000, max: 253402300799999 })
  .map((ms) => new Date(ms).toISOString());
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

const row = fc.record({
  eventId: fc.option(storable),
  eventType: fc.option(storable),
  topic: storable,
  partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  offset: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }).map(String),
  kafkaTimestamp: iso,
  key: fc.option(storable),
  headers: fc.dictionary(storable, storable),
  partnerId: fc.option(storable),
  customerTenantId: fc.option(storable),
  orderId: fc.option(storable),
  occurredAt: fc.option(iso),
  receivedAt: iso,
  envelope: fc.option(json),
  raw: fc.option(fc.uint8Array().map((a) => Buffer.from(a))),
  invalidReason: fc.option(storable),
});

describe("verify's content writer", () => {
  it('U-02: lays out, from the COPY of a stored row, the bytes rowContent gives for it', () => {
    const writer = new ChainContentWriter();
    fc.assert(
      fc.property(row, ({ envelope, ...fields }) => {
        const chained: ChainedRow = {
          ...fields,
          envelopeJson: envelope === null ? null : canonicalJson(envelope),
        };
        expect(writer.content(copyFields(chained, envelope)).toString('utf8')).toBe(rowContent(chained));
      }),
      { numRuns: 3000 },
    );
  });

  it('U-02: writes a time no Date can hold as a text no chained row holds', () => {
    const writer = new ChainContentWriter();
    const chained = fc.sample(row, 1)[0];
    const fields = copyFields({ ...chained, envelopeJson: null }, null);
    fields[7] = Buffer.from('7fffffffffffffff', 'hex'); // infinity
    expect(writer.content(fields).toString('utf8')).toContain('"out of range"');
  });
});
