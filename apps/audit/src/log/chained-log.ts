import { EntityManager } from 'typeorm';
import { InboundMessage } from '@app/messaging';
import { ChainedRow, chainHash, canonicalJson, rowContent } from './audit-chain';
import { toAuditRecord } from './audit-record';

/**
 * The log's storage: the chained append (U-01, U-02) and the mapping of stored rows. Every write
 * runs as `audit_writer`, a role that may only INSERT and SELECT on audit.events (and move the
 * chain head); a trigger refuses UPDATE, DELETE and TRUNCATE whoever asks (U-06).
 */
export const WRITER_ROLE = 'audit_writer';

/** Columns a stored row is read with (envelope as parsed jsonb, for the chain and the API). */
export const ROW_COLUMNS = `seq, event_id, event_type, topic, partition, "offset", kafka_timestamp, key, headers,
  partner_id, customer_tenant_id, order_id, occurred_at, received_at, envelope, raw, invalid_reason, hash`;

export interface StoredRow {
  seq: string;
  event_id: string | null;
  event_type: string | null;
  topic: string;
  partition: number;
  offset: string;
  kafka_timestamp: Date;
  key: string | null;
  headers: Record<string, string>;
  partner_id: string | null;
  customer_tenant_id: string | null;
  order_id: string | null;
  occurred_at: Date | null;
  received_at: Date;
  envelope: unknown | null;
  raw: Buffer | null;
  invalid_reason: string | null;
  hash: Buffer;
}

export function toChainedRow(r: StoredRow): ChainedRow {
  return {
    eventId: r.event_id,
    eventType: r.event_type,
    topic: r.topic,
    partition: r.partition,
    offset: String(r.offset),
    kafkaTimestamp: r.kafka_timestamp.toISOString(),
    key: r.key,
    headers: r.headers,
    partnerId: r.partner_id,
    customerTenantId: r.customer_tenant_id,
    orderId: r.order_id,
    occurredAt: r.occurred_at ? r.occurred_at.toISOString() : null,
    receivedAt: r.received_at.toISOString(),
    envelopeJson: r.envelope === null ? null : canonicalJson(r.envelope),
    raw: r.raw,
    invalidReason: r.invalid_reason,
  };
}

/**
 * jsonb and text columns refuse NUL, and a lone UTF-16 surrogate cannot be stored as it is hashed (a message's
 * key, a header, or an error message quoting part of a message could hold either): both become U+FFFD.
 */
function storableText(s: string): string {
  const noNul = s.includes('\u0000') ? s.split('\u0000').join('\ufffd') : s;
  return (noNul as unknown as { toWellFormed(): string }).toWellFormed();
}

function headerText(headers: InboundMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const text = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
    out[storableText(k)] = storableText(text);
  }
  return out;
}

function kafkaTime(timestamp: string, fallback: Date): string {
  const ms = Number(timestamp);
  return Number.isFinite(ms) && ms >= 0 && ms < 253402300800000
    ? new Date(ms).toISOString()
    : fallback.toISOString();
}

interface Entry {
  row: ChainedRow;
  content: string;
}

export function toEntry(message: InboundMessage, receivedAt: Date): Entry {
  const r = toAuditRecord(message.topic, message.value);
  const row: ChainedRow = {
    eventId: r.eventId,
    eventType: r.eventType,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    kafkaTimestamp: kafkaTime(message.timestamp, receivedAt),
    key: message.key === null ? null : storableText(message.key),
    headers: headerText(message.headers),
    partnerId: r.partnerId,
    customerTenantId: r.customerTenantId,
    orderId: r.orderId,
    occurredAt: r.occurredAt,
    receivedAt: receivedAt.toISOString(),
    envelopeJson: r.envelopeJson,
    raw: r.raw,
    invalidReason: r.invalidReason === null ? null : storableText(r.invalidReason),
  };
  return { row, content: rowContent(row) };
}

/** Each event once per topic (by eventId), and a message without one once per place and time. */
function identities(row: ChainedRow): string[] {
  const place = `p\u0001${row.topic}\u0001${row.partition}\u0001${row.offset}\u0001${row.kafkaTimestamp}`;
  return row.eventId === null ? [place] : [place, `e\u0001${row.topic}\u0001${row.eventId}`];
}

function firstOfEach(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter(({ row }) => {
    const ids = identities(row);
    if (ids.some((id) => seen.has(id))) return false;
    ids.forEach((id) => seen.add(id));
    return true;
  });
}

async function alreadyStored(manager: EntityManager, entries: Entry[]): Promise<Set<string>> {
  const withId = entries.filter((e) => e.row.eventId !== null);
  const [byId, byPlace]: [Array<{ topic: string; event_id: string }>, StoredRow[]] = await Promise.all([
    manager.query(
      `SELECT e.topic, e.event_id FROM audit.events e
         JOIN unnest($1::text[], $2::text[]) AS u(topic, event_id) USING (topic, event_id)`,
      [withId.map((e) => e.row.topic), withId.map((e) => e.row.eventId)],
    ),
    manager.query(
      `SELECT e.topic, e.partition, e."offset", e.kafka_timestamp FROM audit.events e
         JOIN unnest($1::text[], $2::int[], $3::bigint[], $4::timestamptz[]) AS u(topic, partition, "offset", kafka_timestamp)
           USING (topic, partition, "offset", kafka_timestamp)`,
      [
        entries.map((e) => e.row.topic),
        entries.map((e) => e.row.partition),
        entries.map((e) => e.row.offset),
        entries.map((e) => e.row.kafkaTimestamp),
      ],
    ),
  ]);
  const stored = new Set<string>();
  for (const r of byId) stored.add(`e\u0001${r.topic}\u0001${r.event_id}`);
  for (const r of byPlace) {
    stored.add(
      `p\u0001${r.topic}\u0001${r.partition}\u0001${r.offset}\u0001${r.kafka_timestamp.toISOString()}`,
    );
  }
  return stored;
}

interface Head {
  seq: number;
  hash: Buffer;
}

async function insertChained(manager: EntityManager, head: Head, entries: Entry[]): Promise<Head | null> {
  let previous = head.hash;
  const seqs: number[] = [];
  const hashes: Buffer[] = [];
  entries.forEach((entry, i) => {
    const seq = head.seq + i + 1;
    previous = chainHash(previous, seq, entry.content);
    seqs.push(seq);
    hashes.push(previous);
  });
  const col = <K extends keyof ChainedRow>(k: K) => entries.map((e) => e.row[k]);
  const inserted: unknown[] = await manager.query(
    `INSERT INTO audit.events (seq, event_id, event_type, topic, partition, "offset", kafka_timestamp, key, headers,
        partner_id, customer_tenant_id, order_id, occurred_at, received_at, envelope, raw, invalid_reason, hash)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[],
        $7::timestamptz[], $8::text[], $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
        $14::timestamptz[], $15::jsonb[], $16::bytea[], $17::text[], $18::bytea[])
     ON CONFLICT DO NOTHING RETURNING seq`,
    [
      seqs,
      col('eventId'),
      col('eventType'),
      col('topic'),
      col('partition'),
      col('offset'),
      col('kafkaTimestamp'),
      col('key'),
      entries.map((e) => canonicalJson(e.row.headers)),
      col('partnerId'),
      col('customerTenantId'),
      col('orderId'),
      col('occurredAt'),
      col('receivedAt'),
      col('envelopeJson'),
      col('raw'),
      col('invalidReason'),
      hashes,
    ],
  );
  // A row skipped as already stored would leave a gap in the chain: the caller filters and retries.
  if (inserted.length !== entries.length) return null;
  return { seq: head.seq + entries.length, hash: previous };
}

/**
 * Appends messages to the chained log in the caller's transaction, in their order, each event
 * once. The chain head is locked until commit, so commit order is sequence order: a reader paging
 * by sequence never finds a lower number appearing behind it. Returns how many rows were added.
 */
export async function appendToLog(
  manager: EntityManager,
  messages: readonly InboundMessage[],
  receivedAt = new Date(),
): Promise<number> {
  let entries = firstOfEach(messages.map((m) => toEntry(m, receivedAt)));
  await manager.query(`SET LOCAL ROLE ${WRITER_ROLE}`);
  const [locked]: Array<{ seq: string; hash: Buffer }> = await manager.query(
    `SELECT seq, hash FROM audit.chain_head FOR UPDATE`,
  );
  const head = { seq: Number(locked.seq), hash: locked.hash };
  // Redeliveries are rare: try the insert, and only when something was already stored look it up.
  // (ON CONFLICT, not a caught error: a failed query would be logged with its parameters, contacts included.)
  await manager.query(`SAVEPOINT append`);
  let next = await insertChained(manager, head, entries);
  if (next === null) {
    await manager.query(`ROLLBACK TO SAVEPOINT append`);
    const stored = await alreadyStored(manager, entries);
    entries = entries.filter(({ row }) => !identities(row).some((id) => stored.has(id)));
    next = entries.length > 0 ? await insertChained(manager, head, entries) : head;
    if (next === null) throw new Error('audit.events changed under the chain head lock');
  }
  if (entries.length > 0) {
    await manager.query(`UPDATE audit.chain_head SET seq = $1, hash = $2`, [next.seq, next.hash]);
  }
  await manager.query(`RESET ROLE`);
  return entries.length;
}
