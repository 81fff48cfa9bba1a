import { EntityManager } from 'typeorm';
import { EVENT_HEADERS, EventEnvelope } from '@app/contracts';
import { traceHeaders } from '@app/platform';
import { raw, runSql, sql, Sql, table } from './sql';

export interface OutboxMessage {
  topic: string;
  /** The partition key: the customerTenantId (lower-case GUID) per docs/contract.md. */
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
  /**
   * Written under the lease of the relay that publishes on commit (see {@link OutboxLease}): that
   * relay sends it with no claim first. Not leased: the key has an older row still waiting for
   * another relay, or no lease was asked for; the relay rounds send it.
   */
  leased?: boolean;
}

/**
 * Rows written under a lease are this owner's to send until `seconds` have passed: relays claim
 * only rows with no live lease. The owner is one OutboxRelay (`OutboxRelay.lease`).
 */
export interface OutboxLease {
  owner: string;
  seconds: number;
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
      // The row keeps the trace of what wrote it (W3C `traceparent`, when tracing is on): the relay sends it on.
      ...traceHeaders(m.envelope.causationId),
    },
  }));
}

/**
 * Writes events into the outbox inside the caller's transaction, so that the state change and
 * the events it causes commit or fail together. Returns the rows written: a consumer handler
 * returns them to have them sent as soon as its transaction commits (see ConsumerSpec), which
 * needs them written under that relay's `lease`.
 */
export async function stageEvents(
  manager: EntityManager,
  schema: string,
  messages: readonly OutboxMessage[],
  lease?: OutboxLease,
): Promise<OutboxRow[]> {
  const rows = toOutboxRows(messages);
  if (rows.length === 0) return rows;
  const written: OutboxWritten[] = await runSql(
    manager,
    sql`${outboxInsert(schema, rows, ALL_ROWS, lease)} ${OUTBOX_RETURNING}`,
  );
  return withLeases(rows, written);
}

/** What `OUTBOX_RETURNING` gives back for each row an outbox insert wrote. */
export interface OutboxWritten {
  id: string;
  leased: boolean;
}

/** The RETURNING clause of an outbox insert: which rows were written, and which under the lease. */
export const OUTBOX_RETURNING = raw('RETURNING id, lease_owner IS NOT NULL AS leased');

const ALL_ROWS = raw('true');

/** The rows that were written (in their order), each marked with whether it got the lease. */
export function withLeases(rows: readonly OutboxRow[], written: readonly OutboxWritten[]): OutboxRow[] {
  const leased = new Map(written.map((w) => [w.id, w.leased]));
  const out: OutboxRow[] = [];
  for (const row of rows) {
    const got = leased.get(row.id);
    if (got === undefined) continue;
    row.leased = got;
    out.push(row);
  }
  return out;
}

/**
 * The outbox insert of these rows, for a caller that writes them in a statement of its own: behind
 * a CTE that decides which of them to keep, with `keep` a condition on `u.id` (the row's event id).
 * Rows keep their given order. With a `lease`, a row is written leased to its owner unless its key
 * has an older row that is not that owner's to send (waiting for the relay rounds, or another
 * owner's): that one must go first, and the relay rounds keep the key's order. Add
 * {@link OUTBOX_RETURNING} to learn which got the lease.
 */
export function outboxInsert(
  schema: string,
  rows: readonly OutboxRow[],
  keep: Sql = ALL_ROWS,
  lease?: OutboxLease,
): Sql {
  const outbox = table(schema, 'outbox');
  const column = <T>(f: (r: OutboxRow) => T) => rows.map(f);
  // Arrays, not a VALUES list: the statement's text is the same whatever the number of rows.
  const source = sql`unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.topic)}::text[], ${column((r) => r.key)}::text[], ${column((r) => r.eventType)}::text[], ${column((r) => r.payload)}::text[], ${column((r) => JSON.stringify(r.headers))}::jsonb[])
         WITH ORDINALITY AS u(id, topic, key, event_type, payload, headers, n)`;
  if (!lease) {
    return sql`INSERT INTO ${outbox} (id, topic, key, event_type, payload, headers)
     SELECT id, topic, key, event_type, payload, headers FROM ${source}
      WHERE ${keep}
      ORDER BY n`;
  }
  return sql`INSERT INTO ${outbox} (id, topic, key, event_type, payload, headers, lease_owner, lease_until)
     SELECT u.id, u.topic, u.key, u.event_type, u.payload, u.headers, l.owner, l.until FROM ${source}
       LEFT JOIN LATERAL (
         SELECT ${lease.owner}::uuid AS owner, now() + make_interval(secs => ${lease.seconds}::int) AS until
          WHERE NOT EXISTS (SELECT 1 FROM ${outbox} p WHERE p.key = u.key
                              AND (p.lease_owner IS DISTINCT FROM ${lease.owner}::uuid OR p.lease_until < now()))) l ON true
      WHERE ${keep}
      ORDER BY u.n`;
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
