import { hash as oneShotHash } from 'crypto';

/**
 * The hash chain of the log (U-02), pure. Row n carries
 *
 *   hash(n) = sha256(hash(n-1) || utf8(content(n)))      hash(0) = 32 zero bytes
 *   content(n) = `${n}\n` + JSON array of the row's fields in ROW_FIELDS order
 *
 * with objects (envelope, headers) written as canonical JSON (keys sorted, no spaces), times as
 * ISO-8601 with milliseconds, the offset as a string and raw bytes as base64. The export's NDJSON
 * carries every one of these fields, so anyone can recompute the chain from an export.
 */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/** What the chain covers of one row, in this order. */
export const ROW_FIELDS = [
  'eventId',
  'eventType',
  'topic',
  'partition',
  'offset',
  'kafkaTimestamp',
  'key',
  'headers',
  'partnerId',
  'customerTenantId',
  'orderId',
  'occurredAt',
  'receivedAt',
  'envelope',
  'raw',
  'invalidReason',
] as const;

export interface ChainedRow {
  eventId: string | null;
  eventType: string | null;
  topic: string;
  partition: number;
  offset: string;
  kafkaTimestamp: string;
  key: string | null;
  headers: Record<string, string>;
  partnerId: string | null;
  customerTenantId: string | null;
  orderId: string | null;
  occurredAt: string | null;
  receivedAt: string;
  /** The envelope as canonical JSON (see canonicalJson), or null for a message that is not one. */
  envelopeJson: string | null;
  raw: Buffer | null;
  invalidReason: string | null;
}

/** A value PostgreSQL's jsonb cannot hold as is (a NUL, an unpaired surrogate, absurd nesting). */
export class NotStorableJsonError extends Error {}

const MAX_DEPTH = 100;

/**
 * JSON with object keys sorted and no whitespace: the same text for the same value, however it was
 * written. `checkStrings: false` skips the NUL and surrogate checks, for a value parsed from text
 * that could not hold either (see mayHoldUnstorableString).
 */
export function canonicalJson(value: unknown, checkStrings = true, depth = 0): string {
  if (depth > MAX_DEPTH) throw new NotStorableJsonError(`nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return checkStrings ? checkedString(value) : JSON.stringify(value);
    // Numbers as JSON.stringify writes them (what jsonb gives back parses to the same double).
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => canonicalJson(v, checkStrings, depth + 1)).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '';
  for (const k of Object.keys(record).sort()) {
    if (record[k] === undefined) continue;
    const key = checkStrings ? checkedString(k) : JSON.stringify(k);
    out += `${out ? ',' : ''}${key}:${canonicalJson(record[k], checkStrings, depth + 1)}`;
  }
  return `{${out}}`;
}

/**
 * JSON text can put a NUL or a lone surrogate into a string only through a \u escape (a raw NUL
 * is not valid JSON, and undecodable bytes become U+FFFD): text without such an escape needs no
 * per-string check.
 */
export function mayHoldUnstorableString(jsonText: string): boolean {
  return /\\u(0000|[dD][89a-fA-F])/.test(jsonText);
}

function checkedString(s: string): string {
  if (s.includes('\u0000')) throw new NotStorableJsonError('a string holds a NUL character');
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new NotStorableJsonError('a string holds an unpaired UTF-16 surrogate');
  }
  return JSON.stringify(s);
}

/** The row's content without its sequence number: computed before the chain head is locked. */
export function rowContent(row: ChainedRow): string {
  const fields: string[] = [
    JSON.stringify(row.eventId),
    JSON.stringify(row.eventType),
    JSON.stringify(row.topic),
    String(row.partition),
    JSON.stringify(row.offset),
    JSON.stringify(row.kafkaTimestamp),
    JSON.stringify(row.key),
    canonicalJson(row.headers),
    JSON.stringify(row.partnerId),
    JSON.stringify(row.customerTenantId),
    JSON.stringify(row.orderId),
    JSON.stringify(row.occurredAt),
    JSON.stringify(row.receivedAt),
    row.envelopeJson ?? 'null',
    JSON.stringify(row.raw === null ? null : row.raw.toString('base64')),
    JSON.stringify(row.invalidReason),
  ];
  return `[${fields.join(',')}]`;
}

/** Where chainHash lays out what it hashes: one one-shot digest costs less than a Hash object fed three times. */
let scratch = Buffer.allocUnsafe(64 * 1024);
const SCRATCH_KEPT = 1024 * 1024;

/** `content` as rowContent gives it, or its UTF-8 bytes. */
export function chainHash(previous: Buffer, sequence: number | string, content: string | Buffer): Buffer {
  const text = typeof content === 'string';
  // 32 bytes of hash, the sequence (at most 20 digits) and its newline, the content (3 UTF-8 bytes per UTF-16 unit at most).
  const need = 32 + 21 + (text ? content.length * 3 : content.length);
  const into = need <= scratch.length ? scratch : Buffer.allocUnsafe(need);
  if (need <= SCRATCH_KEPT) scratch = into;
  previous.copy(into, 0, 0, 32);
  let at = 32 + into.write(`${sequence}\n`, 32, 'latin1');
  at += text ? into.write(content, at, 'utf8') : content.copy(into, at);
  return oneShotHash('sha256', into.subarray(0, at), 'buffer');
}

export interface ChainBreak {
  ok: boolean;
  checked: number;
  firstBrokenSequence: number | null;
}

/** A sequence and the chain's hash there: the chain head, or a signed checkpoint of it (U-07). */
export interface ChainPoint {
  sequence: number;
  hash: Buffer;
}

/**
 * Walks stored rows in sequence order and says where the chain first breaks: a row whose hash is
 * not the one its content and predecessor give, or a sequence number that skips (a deleted row).
 * Given the latest signed checkpoint, it also finds what the chain alone cannot show (U-07): a
 * chain recomputed by someone holding the database (the hash at the checkpoint's sequence differs:
 * broken there), and a log cut short with its head moved back (broken at the first sequence the
 * checkpoint vouches for that is missing or no longer under the head). Read the rows up to
 * max(head, checkpoint). Feed it chunk by chunk; it keeps only the last hash.
 */
export class ChainVerifier {
  private previous: Buffer = GENESIS_HASH;
  private expected = 1;
  private count = 0;
  private broken: number | null = null;

  constructor(private readonly checkpoint: ChainPoint | null = null) {}

  /** Returns false once a break is found (the caller may stop reading). */
  push(rows: ReadonlyArray<{ sequence: number; hash: Buffer; row: ChainedRow }>): boolean {
    for (const { sequence, hash, row } of rows) {
      if (!this.pushContent(sequence, hash, rowContent(row))) return false;
    }
    return true;
  }

  /**
   * One stored row, given by its content as rowContent gives it (or its UTF-8 bytes) and its stored hash, which
   * is copied: both may be views of a buffer the caller reuses. Returns false once a break is found.
   */
  pushContent(sequence: number, hash: Buffer, content: string | Buffer): boolean {
    if (this.broken !== null) return false;
    this.count++;
    if (sequence !== this.expected) {
      this.broken = this.expected;
      return false;
    }
    if (!chainHash(this.previous, sequence, content).equals(hash)) {
      this.broken = sequence;
      return false;
    }
    if (sequence === this.checkpoint?.sequence && !hash.equals(this.checkpoint.hash)) {
      this.broken = sequence;
      return false;
    }
    this.previous = Buffer.from(hash);
    this.expected++;
    return true;
  }

  /** The head records how far the chain reached: rows missing at its end are a break too. */
  finish(head: ChainPoint): ChainBreak {
    const vouched = this.checkpoint?.sequence ?? 0;
    if (this.broken === null) {
      if (this.expected - 1 < Math.max(head.sequence, vouched)) this.broken = this.expected;
      else if (head.sequence < vouched) this.broken = head.sequence + 1;
      else if (head.sequence > 0 && !this.previous.equals(head.hash)) this.broken = head.sequence;
    }
    return { ok: this.broken === null, checked: this.count, firstBrokenSequence: this.broken };
  }
}
