/**
 * What a consumer declares: its topics, what its handler is given, and one named delivery that says how the
 * messages are applied. Each delivery carries only the settings that make sense with it, so a combination the
 * runner could not honour (a dedupe record without a transaction to write it in) does not typecheck.
 */
import { IHeaders } from 'kafkajs';
import { EntityManager } from 'typeorm';
import { EventEnvelope } from '@app/contracts';
import { OutboxRow } from '../outbox';

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

export interface ValidatedMessage extends InboundMessage {
  envelope: EventEnvelope;
}

/**
 * What a handler may return: the outbox rows it wrote under the relay's lease (`stageEvents` or
 * `outboxInsert` with `OutboxRelay.lease`), to be published as soon as its effect commits rather
 * than at the relay's next round. Nothing returned: the relay is woken.
 */
export type HandlerResult = void | readonly OutboxRow[];

/**
 * For a handler that may wait (the gate holding orders for their facts, G-11). Waiting inside a transaction keeps
 * it open: a consumer that waits long should use the `statement-batches` delivery, as the gate's orders consumer does.
 */
export interface HandlerContext {
  /**
   * Tells the group this member is alive (kafkajs sends it at most once per heartbeat interval); call it at least
   * every few seconds while waiting. It throws when the group is rebalancing: let that error through, and the
   * messages are delivered again, here or to another member.
   */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping: a waiting handler then throws a ChunkAbandonedError. */
  isRunning(): boolean;
}

/** What a delivery with a transaction writes beside each effect, in that same transaction. */
export interface EffectRecords {
  /**
   * Record each applied event id in processed_events, so a redelivery is skipped (default true). A consumer
   * whose effect is itself idempotent by a unique key may turn it off.
   */
  dedupe?: boolean;
  /** Store the applied offset per partition with each effect, for catch-up checks (G-11, A-17). */
  trackPositions?: boolean;
}

/**
 * Applies a chunk of a fetched batch (first deliveries only, each partition in offset order) as one effect.
 * `prepared` is what the delivery's `prepare` started as the chunk arrived.
 */
export type BatchHandler<M> = (
  messages: M[],
  manager: EntityManager,
  prepared: Promise<unknown> | undefined,
  context: HandlerContext,
) => Promise<HandlerResult>;

/** How fetched batches are cut into chunks, and what is started for each chunk. */
export interface Chunking<M> {
  handleBatch: BatchHandler<M>;
  /** At most this many messages of a fetched batch per chunk (default 500). */
  size?: number;
  /**
   * The chunks of every partition of one fetch are applied together as one chunk (each partition's messages
   * still in offset order), so that a fetch costs one effect and one round of whatever the handler does per
   * chunk, not one per partition.
   */
  mergePartitions?: boolean;
  /**
   * Started as soon as a chunk arrives, before its messages are checked; the promise is handed to
   * `handleBatch`, which awaits it when it needs it. For work that must come after the messages arrived but
   * needs none of them (the gate's end offsets of its fact topics, G-11), so that it overlaps the checks and
   * the effect's first queries.
   */
  prepare?: () => Promise<unknown>;
  /**
   * How much one fetch brings, per partition and in all (kafkajs: 1 MiB and 10 MiB). A fetched batch is at most
   * one partition's share: a consumer whose every chunk pays a fixed cost may want bigger ones, for more memory.
   */
  fetchBytes?: { perPartition?: number; total?: number };
}

/** Each message is its own transaction: the handler's effect and the delivery's records. */
export interface OneByOne extends EffectRecords {
  kind: 'one-by-one';
}

/**
 * A chunk of messages per transaction, with the records of every message in it. A chunk that fails for a reason
 * other than a transient one is rolled back and replayed one by one through `handle`, so that only the bad
 * message is dead-lettered.
 */
export interface Batches<M> extends EffectRecords, Chunking<M> {
  kind: 'batches';
}

/**
 * A chunk per effect with no transaction around it: the handler gets a manager whose every query commits by
 * itself, saving the BEGIN and COMMIT round trips of every chunk. Only for a handler whose effect is one
 * statement, atomic on its own and idempotent by a unique key (the gate writes its decisions, once per order,
 * and their outbox rows under the relay's lease in one statement). There is no processed-event record nor
 * position: they would be separate writes. `handle` and `onInvalid` run without a transaction too.
 */
export interface StatementBatches<M> extends Chunking<M> {
  kind: 'statement-batches';
}

export type Delivery<M> = OneByOne | Batches<M> | StatementBatches<M>;

interface CommonSpec {
  /** Stable name of this consumer inside its service: the dedupe and position records use it. */
  name: string;
  topics: readonly string[];
}

/** Messages are parsed and checked against libs/contracts; invalid ones go to `<topic>.dlq`. */
export interface ValidatedConsumerSpec extends CommonSpec {
  input: 'validated';
  delivery: Delivery<ValidatedMessage>;
  /** Applies one message: the one-by-one delivery, and the replay of a chunk that failed. */
  handle(message: ValidatedMessage, manager: EntityManager, context: HandlerContext): Promise<HandlerResult>;
  /**
   * Optional: the effect of a message that failed validation, for a consumer whose senders wait for an answer to
   * every message (the gate's InvalidOrder decision, G-14). It commits on its own (in its own transaction, or
   * statement with `statement-batches`) before the message goes to `<topic>.dlq` all the same; a redelivery runs
   * it again, so it must be idempotent. Failures are retried as a handler's are; past `maxAttempts` the message
   * is only dead-lettered.
   */
  onInvalid?(message: InboundMessage, reason: string, manager: EntityManager): Promise<HandlerResult>;
}

/** Messages reach the handler as they are, whatever their bytes (the audit keeps everything). */
export interface RawConsumerSpec extends CommonSpec {
  input: 'raw';
  delivery: Delivery<InboundMessage>;
  /** Applies one message: the one-by-one delivery, and the replay of a chunk that failed. */
  handle(message: InboundMessage, manager: EntityManager, context: HandlerContext): Promise<HandlerResult>;
}

export type ConsumerSpec = ValidatedConsumerSpec | RawConsumerSpec;
