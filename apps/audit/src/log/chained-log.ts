import { EntityManager } from 'typeorm';
import { InboundMessage, raw, runSql, sql, table } from '@app/messaging';
import { ChainedRow, chainHash, canonicalJson, rowContent } from './audit-chain';
import { toAuditRecord } from './audit-record';

/**
 * The log's storage: the chained append (U-01, U-02) and the mapping of stored rows. Every write
 * runs as `audit_writer`, a role that may only INSERT and SELECT on the log's events (and move the
 * chain head); a trigger refuses UPDATE, DELETE and TRUNCATE whoever asks (U-06). The functions take
 * the service's schema as a parameter.
 */
export const WRITER_ROLE = 'audit_writer';

/** Columns a stored row is read with (envelope as parsed jsonb, for the chain and the API). */
export const ROW_COLUMNS =
  raw(`seq, event_id, event_type, topic, partition, "offset", kafka_timestamp, key, headers,
  partner_id, customer_tenant_id, order_id, occurred_at, received_at, envelope, raw, invalid_reason, hash`);

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

/** What a redelivery is recognised by: the message's place and time, and its event id (see identity). */
type Place = Pick<ChainedRow, 'eventId' | 'topic' | 'partition' | 'offset' | 'kafkaTimestamp'>;

interface Entry {
  place: Place;
  /**
   * The row's content as the chain hashes it (rowContent), UTF-8. A Buffer keeps it off the JS heap while the
   * chunk waits for the chain head: a chunk's worth of strings surviving young-generation collections cost more
   * CPU in the collector than building them did.
   */
  content: Buffer;
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
  const { eventId, topic, partition, offset, kafkaTimestamp } = row;
  return {
    place: { eventId, topic, partition, offset, kafkaTimestamp },
    content: Buffer.from(rowContent(row)),
  };
}

const eventIdentity = (topic: string, eventId: string) => `e\u0001${topic}\u0001${eventId}`;
const placeIdentity = (topic: string, partition: number, offset: string, kafkaTimestamp: string) =>
  `p\u0001${topic}\u0001${partition}\u0001${offset}\u0001${kafkaTimestamp}`;

/** Each event once per topic (by eventId), and a message without one once per place and time. */
function identity(p: Place): string {
  return p.eventId === null
    ? placeIdentity(p.topic, p.partition, p.offset, p.kafkaTimestamp)
    : eventIdentity(p.topic, p.eventId);
}

function firstOfEach(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter(({ place }) => {
    const id = identity(place);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The identities (see identity) of the entries that the log holds already. */
async function alreadyStored(manager: EntityManager, schema: string, entries: Entry[]): Promise<Set<string>> {
  const withId = entries.filter((e) => e.place.eventId !== null).map((e) => e.place);
  const withoutId = entries.filter((e) => e.place.eventId === null).map((e) => e.place);
  const [byId, byPlace]: [Array<{ topic: string; event_id: string }>, StoredRow[]] = await Promise.all([
    runSql(
      manager,
      sql`SELECT e.topic, e.event_id FROM ${table(schema, 'events')} e
            JOIN unnest(${withId.map((p) => p.topic)}::text[], ${withId.map((p) => p.eventId)}::text[])
              AS u(topic, event_id) USING (topic, event_id)`,
    ),
    runSql(
      manager,
      sql`SELECT e.topic, e.partition, e."offset", e.kafka_timestamp FROM ${table(schema, 'events')} e
            JOIN unnest(${withoutId.map((p) => p.topic)}::text[], ${withoutId.map((p) => p.partition)}::int[],
                        ${withoutId.map((p) => p.offset)}::bigint[], ${withoutId.map((p) => p.kafkaTimestamp)}::timestamptz[])
              AS u(topic, partition, "offset", kafka_timestamp) USING (topic, partition, "offset", kafka_timestamp)
           WHERE e.event_id IS NULL`,
    ),
  ]);
  return new Set([
    ...byId.map((r) => eventIdentity(r.topic, r.event_id)),
    ...byPlace.map((r) =>
      placeIdentity(r.topic, r.partition, String(r.offset), r.kafka_timestamp.toISOString()),
    ),
  ]);
}

interface Head {
  seq: number;
  hash: Buffer;
}

/*
 * One statement appends the rows and moves the head. The rows travel as one JSON array whose elements are
 * [seq, hash as hex, ...the row's content]: the very text the chain hashes, which PostgreSQL parses once (the
 * envelope and headers come out as jsonb without a second parse). It is sent in jsonb's binary format, a version
 * byte and the UTF-8 text, so the bytes built here go out as they are. This runs while the chain head is locked,
 * and every other append waits for it.
 */
const insertRows = (schema: string, rows: Buffer, head: Head) => sql`
  WITH inserted AS (
    INSERT INTO ${table(schema, 'events')} (seq, hash, event_id, event_type, topic, partition, "offset", kafka_timestamp, key,
        headers, partner_id, customer_tenant_id, order_id, occurred_at, received_at, envelope, raw, invalid_reason)
    SELECT (r->>0)::bigint, decode(r->>1, 'hex'), r->>2, r->>3, r->>4, (r->>5)::int, (r->>6)::bigint,
        (r->>7)::timestamptz, r->>8, r->9, r->>10, r->>11, r->>12, (r->>13)::timestamptz, (r->>14)::timestamptz,
        NULLIF(r->15, 'null'::jsonb), decode(r->>16, 'base64'), r->>17
    FROM jsonb_array_elements(${rows}::jsonb) AS rows(r)
    ON CONFLICT DO NOTHING
    RETURNING 1
  ), head AS (
    UPDATE ${table(schema, 'chain_head')} SET seq = ${head.seq}, hash = ${head.hash}
  )
  SELECT count(*)::int AS inserted FROM inserted`;

const JSONB_BINARY_VERSION = 1;

async function insertChained(
  manager: EntityManager,
  schema: string,
  head: Head,
  entries: Entry[],
): Promise<Head | null> {
  let previous = head.hash;
  const parts: Buffer[] = [Buffer.from([JSONB_BINARY_VERSION]), Buffer.from('[')];
  entries.forEach((entry, i) => {
    const seq = head.seq + i + 1;
    previous = chainHash(previous, seq, entry.content);
    // The content is a JSON array itself: the row is it with the sequence and hash put in front.
    parts.push(
      Buffer.from(`${i > 0 ? ',' : ''}[${seq},"${previous.toString('hex')}",`),
      entry.content.subarray(1),
    );
  });
  parts.push(Buffer.from(']'));
  const next = { seq: head.seq + entries.length, hash: previous };
  const [{ inserted }]: Array<{ inserted: number }> = await runSql(
    manager,
    insertRows(schema, Buffer.concat(parts), next),
  );
  // A row skipped as already stored would leave a gap in the chain: the caller rolls back, filters and retries.
  return inserted === entries.length ? next : null;
}

/**
 * Appends messages to the chained log in the caller's transaction, in their order, each event
 * once. The chain head is locked until commit, so commit order is sequence order: a reader paging
 * by sequence never finds a lower number appearing behind it. Returns how many rows were added.
 */
export async function appendToLog(
  manager: EntityManager,
  schema: string,
  messages: readonly InboundMessage[],
  receivedAt = new Date(),
): Promise<number> {
  let entries = firstOfEach(messages.map((m) => toEntry(m, receivedAt)));
  await manager.query(`SET LOCAL ROLE ${WRITER_ROLE}`);
  const [locked]: Array<{ seq: string; hash: Buffer }> = await runSql(
    manager,
    sql`SELECT seq, hash FROM ${table(schema, 'chain_head')} FOR UPDATE`,
  );
  const head = { seq: Number(locked.seq), hash: locked.hash };
  // Redeliveries are rare: try the insert, and only when something was already stored look it up.
  // (ON CONFLICT, not a caught error: a failed query would be logged with its parameters, contacts included.)
  await manager.query(`SAVEPOINT append`);
  let next = await insertChained(manager, schema, head, entries);
  if (next === null) {
    await manager.query(`ROLLBACK TO SAVEPOINT append`);
    const stored = await alreadyStored(manager, schema, entries);
    entries = entries.filter(({ place }) => !stored.has(identity(place)));
    next = entries.length > 0 ? await insertChained(manager, schema, head, entries) : head;
    if (next === null) throw new Error(`${schema}.events changed under the chain head lock`);
  }
  await manager.query(`RESET ROLE`);
  return entries.length;
}
