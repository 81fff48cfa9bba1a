import { EntityManager } from 'typeorm';
import { EVENT_HEADERS, EventEnvelope } from '@app/contracts';
import { quoteIdent } from './schema';

export interface OutboxMessage {
  topic: string;
  /** The partition key: the customerTenantId (lower-case GUID) per CONTRACT.md. */
  key: string;
  envelope: EventEnvelope;
}

/**
 * Writes events into the outbox inside the caller's transaction, so that the state change and
 * the events it causes commit or fail together. Returns the event ids, which the caller can
 * hand to `OutboxRelay.flush` to wait for publication before answering.
 */
export async function enqueueEvents(
  manager: EntityManager,
  schema: string,
  messages: readonly OutboxMessage[],
): Promise<string[]> {
  if (messages.length === 0) return [];
  const params: unknown[] = [];
  const rows = messages.map((m) => {
    const headers = {
      [EVENT_HEADERS.type]: m.envelope.eventType,
      [EVENT_HEADERS.version]: String(m.envelope.eventVersion),
      [EVENT_HEADERS.id]: m.envelope.eventId,
      [EVENT_HEADERS.correlationId]: m.envelope.correlationId,
    };
    params.push(
      m.envelope.eventId,
      m.topic,
      m.key,
      m.envelope.eventType,
      JSON.stringify(m.envelope),
      JSON.stringify(headers),
    );
    const i = params.length;
    return `($${i - 5}, $${i - 4}, $${i - 3}, $${i - 2}, $${i - 1}, $${i}::jsonb)`;
  });
  await manager.query(
    `INSERT INTO ${quoteIdent(schema)}.outbox (id, topic, key, event_type, payload, headers) VALUES ${rows.join(', ')}`,
    params,
  );
  return messages.map((m) => m.envelope.eventId);
}
