import { EntityManager } from 'typeorm';
import { EVENT_HEADERS, EventEnvelope } from '@app/contracts';
import { quoteIdent } from './schema';

export interface OutboxMessage {
  topic: string;
  /** The partition key: the customerTenantId (lower-case GUID) per CONTRACT.md. */
  key: string;
  envelope: EventEnvelope;
}

/** An outbox row as written: what the relay, or the consumer on commit, sends. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  eventType: string;
  /** The envelope as JSON: the message value. */
  payload: string;
  headers: Record<string, string>;
}

export function toOutboxRows(messages: readonly OutboxMessage[]): OutboxRow[] {
  return messages.map((m) => ({
    id: m.envelope.eventId,
    topic: m.topic,
    key: m.key,
    eventType: m.envelope.eventType,
    payload: JSON.stringify(m.envelope),
    headers: {
      [EVENT_HEADERS.type]: m.envelope.eventType,
      [EVENT_HEADERS.version]: String(m.envelope.eventVersion),
      [EVENT_HEADERS.id]: m.envelope.eventId,
      [EVENT_HEADERS.correlationId]: m.envelope.correlationId,
    },
  }));
}

/**
 * Writes events into the outbox inside the caller's transaction, so that the state change and
 * the events it causes commit or fail together. Returns the rows written: a consumer handler
 * returns them to have them sent as soon as its transaction commits (see ConsumerSpec).
 */
export async function stageEvents(
  manager: EntityManager,
  schema: string,
  messages: readonly OutboxMessage[],
): Promise<OutboxRow[]> {
  const rows = toOutboxRows(messages);
  if (rows.length === 0) return rows;
  const insert = outboxInsert(schema, rows, 1);
  await manager.query(insert.sql, insert.params);
  return rows;
}

/**
 * The outbox insert of these rows as SQL and parameters (numbered from `firstParam`), for a caller
 * that writes them in a statement of its own: behind a CTE that decides which of them to keep,
 * with `keep` a condition on `u.id` (the row's event id). Rows keep their given order.
 */
export function outboxInsert(
  schema: string,
  rows: readonly OutboxRow[],
  firstParam: number,
  keep = 'true',
): { sql: string; params: unknown[] } {
  const $ = (k: number) => `$${firstParam + k}`;
  // Arrays, not a VALUES list: six parameters whatever the number of rows.
  return {
    sql: `INSERT INTO ${quoteIdent(schema)}.outbox (id, topic, key, event_type, payload, headers)
     SELECT id, topic, key, event_type, payload, headers
       FROM unnest(${$(0)}::uuid[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::jsonb[])
         WITH ORDINALITY AS u(id, topic, key, event_type, payload, headers, n)
      WHERE ${keep}
      ORDER BY n`,
    params: [
      rows.map((r) => r.id),
      rows.map((r) => r.topic),
      rows.map((r) => r.key),
      rows.map((r) => r.eventType),
      rows.map((r) => r.payload),
      rows.map((r) => JSON.stringify(r.headers)),
    ],
  };
}

/**
 * Writes events into the outbox inside the caller's transaction (see {@link stageEvents}). Returns
 * the event ids, which the caller can hand to `OutboxRelay.flush` to wait for publication before
 * answering.
 */
export async function enqueueEvents(
  manager: EntityManager,
  schema: string,
  messages: readonly OutboxMessage[],
): Promise<string[]> {
  return (await stageEvents(manager, schema, messages)).map((r) => r.id);
}
