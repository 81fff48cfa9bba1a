import type { PoolClient } from 'pg';
import { raw, sql, table } from '@app/messaging';
import { ChainVerifier } from './audit-chain';
import { canonicalJsonOfText } from './canonical-json-text';
import { CopyRows } from './copy-out';

/*
 * Verify reads the log through one COPY, in sequence order, and PostgreSQL writes most of each row's content
 * (rowContent in audit-chain.ts) itself: the text around the two JSON objects, as JSON, in one piece before the
 * headers, one between headers and envelope, one after. What it writes is what rowContent writes for the same
 * stored values: to_json of a text is JSON.stringify's string (the same escapes; PostgreSQL's text holds no lone
 * surrogate), a time of the years 1 to 9999 is toISOString's text (milliseconds truncated, as the Date the driver
 * parses), and base64 without its line breaks is Buffer's. A time outside those years is written as PostgreSQL's
 * own text, which no chained row holds (ingest stores only those years): the row does not verify. The headers and
 * the envelope are re-written canonically here (canonicalJsonOfText), and the whole is hashed: no value is built
 * for the row, which is what made verify slow.
 */
const json = (column: string) => `coalesce(to_json(${column})::text, 'null')`;
const time = (column: string) =>
  `CASE WHEN ${column} IS NULL THEN 'null'
        WHEN extract(year FROM ${column} AT TIME ZONE 'UTC') BETWEEN 1 AND 9999
        THEN '"' || to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'
        ELSE to_json(${column}::text)::text END`;

const CONTENT_COLUMNS = raw(`seq, hash,
  '[' || ${json('event_id')} || ',' || ${json('event_type')} || ',' || ${json('topic')} || ',' || partition::text
    || ',"' || "offset"::text || '",' || ${time('kafka_timestamp')} || ',' || ${json('key')} || ',',
  headers::text,
  ',' || ${json('partner_id')} || ',' || ${json('customer_tenant_id')} || ',' || ${json('order_id')}
    || ',' || ${time('occurred_at')} || ',' || ${time('received_at')} || ',',
  envelope::text,
  ',' || ${json(`translate(encode(raw, 'base64'), E'\\n', '')`)} || ',' || ${json('invalid_reason')} || ']'`);

/** COPY takes no parameters: `upTo` is a number, written in. */
export function chainContentCopy(schema: string, upTo: number): string {
  if (!Number.isSafeInteger(upTo) || upTo < 0) throw new Error(`not a sequence: ${upTo}`);
  const { text, values } = sql`COPY (SELECT ${CONTENT_COLUMNS} FROM ${table(schema, 'events')}
      WHERE seq > 0 AND seq <= ${raw(String(upTo))} ORDER BY seq) TO STDOUT (FORMAT binary)`.toQuery();
  if (values.length > 0) throw new Error('COPY takes no parameters');
  return text;
}

/** Lays out one row's content from the COPY's fields, in a buffer it reuses. */
class ContentWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private lastHeaders: Buffer = Buffer.alloc(0);
  private lastHeadersCanonical = '';

  /** fields: seq, hash, before headers, headers, before envelope, envelope (null: none), after envelope. */
  content(fields: ReadonlyArray<Buffer | null>): Buffer {
    const [, , before, headers, middle, envelope, after] = fields as Buffer[];
    // Most rows carry the same headers as the row before: their canonical text is kept.
    if (!headers.equals(this.lastHeaders)) {
      this.lastHeadersCanonical = canonicalJsonOfText(headers.toString('utf8'));
      this.lastHeaders = Buffer.from(headers);
    }
    const headersText = this.lastHeadersCanonical;
    const envelopeText = envelope === null ? 'null' : canonicalJsonOfText(envelope.toString('utf8'));
    const need =
      before.length + middle.length + after.length + 3 * (headersText.length + envelopeText.length);
    if (need > this.buffer.length) this.buffer = Buffer.allocUnsafe(need);
    const out = this.buffer;
    let at = before.copy(out, 0);
    at += out.write(headersText, at, 'utf8');
    at += middle.copy(out, at);
    at += out.write(envelopeText, at, 'utf8');
    at += after.copy(out, at);
    return out.subarray(0, at);
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
  const writer = new ContentWriter();
  const copy = new CopyRows(chainContentCopy(schema, upTo), (fields) => {
    const sequence = Number(fields[0]!.readBigInt64BE(0));
    return verifier.pushContent(sequence, fields[1]!, writer.content(fields));
  });
  client.query(copy);
  const { stopped } = await copy.done;
  return !stopped;
}
