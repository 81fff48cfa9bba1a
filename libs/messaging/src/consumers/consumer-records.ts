/**
 * What a consumer writes beside its effect, in the same transaction, so that the record and the effect commit
 * or fail together: the ids it applied (a redelivery is skipped) and the offset it applied up to per partition
 * (a catch-up check, G-11 and A-17, is then a question any instance can ask the database).
 */
import { EntityManager } from 'typeorm';
import { runSql, sql, table } from '../sql';
import { Accepted } from './checked-handlers';
import { InboundMessage } from './consumer-spec';

/** processed_events: one row per applied event id and consumer. */
export class ProcessedEvents {
  constructor(
    private readonly schema: string,
    private readonly consumer: string,
  ) {}

  /** The messages not applied before (nor earlier among these), recorded as applied now. */
  async firstDeliveries(accepted: Accepted[], manager: EntityManager): Promise<Accepted[]> {
    const keys = accepted.map(redeliveryKey);
    const inserted: Array<{ event_id: string }> = await runSql(
      manager,
      sql`INSERT INTO ${table(this.schema, 'processed_events')} (consumer, event_id)
          SELECT ${this.consumer}, k FROM unnest(${keys}::text[]) AS k
          ON CONFLICT DO NOTHING RETURNING event_id`,
    );
    const fresh = new Set(inserted.map((r) => r.event_id));
    return accepted.filter((_, i) => fresh.delete(keys[i]));
  }
}

/** Offsets restart when a cluster is rebuilt: without an eventId, place and time identify a message. */
function redeliveryKey({ message, validated }: Accepted): string {
  return (
    validated?.envelope.eventId ??
    `${message.topic}/${message.partition}/${message.offset}@${message.timestamp}`
  );
}

/**
 * consumer_positions: the next offset per partition. The position is what was applied last, not the highest
 * ever seen: after a cluster is rebuilt its offsets restart, and a stale high mark would claim a catch-up that
 * never happened.
 */
export class Positions {
  /** Next offset applied per `topic:partition` by this instance, known once its effect committed. */
  private readonly applied = new Map<string, bigint>();

  constructor(
    private readonly schema: string,
    private readonly consumer: string,
  ) {}

  /** Moves each partition's position past the last of these messages, in the caller's transaction. */
  async store(messages: readonly InboundMessage[], manager: EntityManager): Promise<void> {
    const last = [...lastPerPartition(messages).values()];
    await runSql(
      manager,
      sql`INSERT INTO ${table(this.schema, 'consumer_positions')} (consumer, topic, partition, next_offset)
          SELECT ${this.consumer}, * FROM unnest(${last.map((m) => m.topic)}::text[], ${last.map((m) => m.partition)}::int[], ${last.map((m) => (BigInt(m.offset) + 1n).toString())}::bigint[])
          ON CONFLICT (consumer, topic, partition)
          DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
    );
  }

  /** After commit: what this instance knows it has applied, for catch-up without a query. */
  noteApplied(messages: readonly InboundMessage[]): void {
    for (const [key, message] of lastPerPartition(messages))
      this.applied.set(key, BigInt(message.offset) + 1n);
  }

  /** A lower bound of the stored positions that costs no query (see ConsumerRunner.appliedPositions). */
  known(): ReadonlyMap<string, bigint> {
    return this.applied;
  }
}

/** The last message per partition: what a chunk moves each position to. */
function lastPerPartition(messages: readonly InboundMessage[]): Map<string, InboundMessage> {
  const last = new Map<string, InboundMessage>();
  for (const message of messages) last.set(`${message.topic}:${message.partition}`, message);
  return last;
}
