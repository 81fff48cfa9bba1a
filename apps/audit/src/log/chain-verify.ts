import type { PoolClient } from 'pg';
import { raw, sql, table } from '@app/messaging';
import { ChainVerifier, NotStorableJsonError } from './audit-chain';
import { canonicalJsonOfText } from './canonical-json-text';
import { CopyRows } from './copy-out';

/*
 * Verify reads the log through one binary COPY, in sequence order, and lays out each row's content (rowContent in
 * audit-chain.ts) straight from the column bytes PostgreSQL sends, into a buffer it reuses, then hashes it: no value
 * is built for the row, which is what made verify slow. PostgreSQL only writes the two JSON columns as text; each
 * is re-written canonically here (canonicalJsonOfText). What is laid out is what rowContent writes for the same
 * stored values: a text as JSON.stringify writes it (as is between quotes when it needs no escape), numbers in
 * decimal, a time as toISOString writes the Date the driver would parse (milliseconds truncated), raw bytes as
 * base64.
 */
const COLUMNS =
  raw(`seq, hash, event_id, event_type, topic, partition, "offset", kafka_timestamp, key, headers::text,
  partner_id, customer_tenant_id, order_id, occurred_at, received_at, envelope::text, raw, invalid_reason`);

/** COPY takes no parameters: `upTo` is a number, written in. */
export function chainContentCopy(schema: string, upTo: number): string {
  if (!Number.isSafeInteger(upTo) || upTo < 0) throw new Error(`not a sequence: ${upTo}`);
  const { text, values } = sql`COPY (SELECT ${COLUMNS} FROM ${table(schema, 'events')}
      WHERE seq > 0 AND seq <= ${raw(String(upTo))} ORDER BY seq) TO STDOUT (FORMAT binary)`.toQuery();
  if (values.length > 0) throw new Error('COPY takes no parameters');
  return text;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const NULL_BYTES = Buffer.from('null');
/** PostgreSQL's binary timestamptz: microseconds since 2000-01-01T00:00:00Z. */
const POSTGRES_EPOCH_MS = 946684800000;
const MAX_DATE_MS = 8.64e15;
const HOUR_MS = 3600000;
/** toISOString writes a four-digit year from 0000-01-01 up to 10000-01-01 (exclusive). */
const YEAR_0 = -62167219200000;
const YEAR_10000 = 253402300800000;
const DIGIT = 0x30;

/**
 * The canonical text of a stored JSON column; for one nested deeper than ingest stores as JSON (only a changed row
 * holds one), a text no chained row holds there, so that the row does not verify.
 */
function canonicalOrMismatch(json: Buffer): string {
  try {
    return canonicalJsonOfText(json.toString('utf8'));
  } catch (error) {
    if (error instanceof NotStorableJsonError) return '"not storable"';
    throw error;
  }
}

/** Lays out one row's content (rowContent's bytes) from the COPY's fields, in a buffer it reuses. */
export class ChainContentWriter {
  private out = Buffer.allocUnsafe(64 * 1024);
  private at = 0;
  private lastHeaders: Buffer = Buffer.alloc(0);
  private lastHeadersCanonical = '';
  private hour = NaN;
  private hourPrefix = '';

  /** fields: as COLUMNS. */
  content(f: ReadonlyArray<Buffer | null>): Buffer {
    let need = 256;
    for (let i = 2; i < f.length; i++) need += (f[i]?.length ?? 0) * 6;
    if (need > this.out.length) this.out = Buffer.allocUnsafe(need * 2);
    this.at = 0;
    this.out[this.at++] = 0x5b; // [
    this.text(f[2]).comma().text(f[3]).comma().text(f[4]).comma();
    this.ascii(String(f[5]!.readInt32BE(0))).comma();
    this.byte(QUOTE).ascii(f[6]!.readBigInt64BE(0).toString()).byte(QUOTE).comma();
    this.time(f[7]).comma().text(f[8]).comma();
    // Most rows carry the same headers as the row before: their canonical text is kept.
    const headers = f[9]!;
    if (!headers.equals(this.lastHeaders)) {
      this.lastHeadersCanonical = canonicalOrMismatch(headers);
      this.lastHeaders = Buffer.from(headers);
    }
    this.utf8(this.lastHeadersCanonical).comma();
    this.text(f[10]).comma().text(f[11]).comma().text(f[12]).comma();
    this.time(f[13]).comma().time(f[14]).comma();
    const envelope = f[15];
    if (envelope === null) this.bytes(NULL_BYTES);
    else this.utf8(canonicalOrMismatch(envelope));
    this.comma();
    const rawBytes = f[16];
    if (rawBytes === null) this.bytes(NULL_BYTES);
    else this.byte(QUOTE).ascii(rawBytes.toString('base64')).byte(QUOTE);
    this.comma().text(f[17]);
    this.out[this.at++] = 0x5d; // ]
    return this.out.subarray(0, this.at);
  }

  private byte(b: number): this {
    this.out[this.at++] = b;
    return this;
  }

  private comma(): this {
    this.out[this.at++] = COMMA;
    return this;
  }

  private bytes(b: Buffer): this {
    this.at += b.copy(this.out, this.at);
    return this;
  }

  private ascii(s: string): this {
    this.at += this.out.write(s, this.at, 'latin1');
    return this;
  }

  private utf8(s: string): this {
    const need = this.at + s.length * 3 + 64;
    if (need > this.out.length) {
      const bigger = Buffer.allocUnsafe(need * 2);
      this.out.copy(bigger, 0, 0, this.at);
      this.out = bigger;
    }
    this.at += this.out.write(s, this.at, 'utf8');
    return this;
  }

  /** A text column as JSON.stringify writes it: between quotes as it is, unless a byte needs an escape. */
  private text(b: Buffer | null): this {
    if (b === null) return this.bytes(NULL_BYTES);
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      if (c < 0x20 || c === QUOTE || c === 0x5c) return this.utf8(JSON.stringify(b.toString('utf8')));
    }
    return this.byte(QUOTE).bytes(b).byte(QUOTE);
  }

  /** A timestamptz as toISOString writes it; one no Date can hold (no chained row has one) as a text that never matches. */
  private time(b: Buffer | null): this {
    if (b === null) return this.bytes(NULL_BYTES);
    const high = b.readInt32BE(0);
    let ms: number;
    if (Math.abs(high) < 2 ** 20) {
      // Within 2^52 microseconds of 2000 (142 years): exact as a double.
      ms = Math.floor((high * 4294967296 + b.readUInt32BE(4)) / 1000) + POSTGRES_EPOCH_MS;
    } else {
      const micros = b.readBigInt64BE(0);
      const floor = micros / 1000n - (micros < 0n && micros % 1000n !== 0n ? 1n : 0n);
      ms = Number(floor) + POSTGRES_EPOCH_MS;
    }
    if (!(Math.abs(ms) <= MAX_DATE_MS)) return this.ascii('"out of range"');
    this.byte(QUOTE);
    if (ms < YEAR_0 || ms >= YEAR_10000) return this.ascii(new Date(ms).toISOString()).byte(QUOTE);
    // Years 0 to 9999: "YYYY-MM-DDTHH:" of the hour (kept: a log's times come in runs), then MM:SS.mmmZ.
    const hour = Math.floor(ms / HOUR_MS);
    if (hour !== this.hour) {
      this.hour = hour;
      this.hourPrefix = new Date(hour * HOUR_MS).toISOString().slice(0, 14);
    }
    this.ascii(this.hourPrefix);
    const inHour = ms - hour * HOUR_MS;
    const minutes = Math.floor(inHour / 60000);
    const seconds = Math.floor(inHour / 1000) % 60;
    const millis = inHour % 1000;
    const out = this.out;
    let at = this.at;
    out[at++] = DIGIT + Math.floor(minutes / 10);
    out[at++] = DIGIT + (minutes % 10);
    out[at++] = 0x3a; // :
    out[at++] = DIGIT + Math.floor(seconds / 10);
    out[at++] = DIGIT + (seconds % 10);
    out[at++] = 0x2e; // .
    out[at++] = DIGIT + Math.floor(millis / 100);
    out[at++] = DIGIT + (Math.floor(millis / 10) % 10);
    out[at++] = DIGIT + (millis % 10);
    out[at++] = 0x5a; // Z
    this.at = at;
    return this.byte(QUOTE);
  }
}

/**
 * Feeds every row up to `upTo` to the verifier, in sequence order, on the client's connection. Returns false when
 * the verifier found a break and the COPY was left unfinished: the caller must then close the connection.
 */
export async function feedChain(
  client: PoolClient,
  schema: string,
  upTo: number,
  verifier: ChainVerifier,
): Promise<boolean> {
  const writer = new ChainContentWriter();
  const copy = new CopyRows(chainContentCopy(schema, upTo), (fields) => {
    const sequence = Number(fields[0]!.readBigInt64BE(0));
    return verifier.pushContent(sequence, fields[1]!, writer.content(fields));
  });
  client.query(copy);
  const { stopped } = await copy.done;
  return !stopped;
}
