import { Logger } from '@nestjs/common';
import { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { DLQ_HEADERS, EventEnvelope, dlqTopicOf, parseAndValidate } from '@app/contracts';
import { ChunkAbandonedError, RejectedMessageError, isTransientError } from './errors';
import { OutboxRow } from './outbox';
import { errText } from './outbox-relay';
import { quoteIdent } from './schema';

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

interface CommonSpec {
  /** Stable name of this consumer inside its service: the dedupe and position records use it. */
  name: string;
  topics: readonly string[];
  /** Store the applied offset per partition with each effect, for catch-up checks (G-11, A-17). */
  trackPositions?: boolean;
  /**
   * Record each applied event id in processed_events with the effect, so a redelivery is skipped
   * (default). A consumer whose effect is itself idempotent by a unique key may turn it off.
   */
  dedupe?: boolean;
  /** With `handleBatch`: at most this many messages of a fetched batch per transaction (default 500). */
  batchSize?: number;
  /**
   * With `handleBatch`: the chunks of every partition of one fetch are applied together, in one
   * transaction (each partition's messages still in offset order), so that a fetch costs one
   * transaction and one round of whatever the handler does per chunk, not one per partition.
   */
  mergePartitions?: boolean;
  /**
   * With `handleBatch`: started as soon as a chunk arrives, before its messages are checked; the
   * promise is handed to `handleBatch`, which awaits it when it needs it. For work that must come
   * after the messages arrived but needs none of them (the gate's end offsets of its fact topics,
   * G-11), so that it overlaps the checks and the transaction's first queries.
   */
  prepareChunk?: () => Promise<unknown>;
  /**
   * How much one fetch brings, per partition and in all (kafkajs: 1 MiB and 10 MiB). A fetched batch is at most
   * one partition's share: a consumer whose every chunk pays a fixed cost may want bigger ones, for more memory.
   */
  fetchBytes?: { perPartition?: number; total?: number };
  /**
   * false: no transaction is opened around the handler, which then gets a manager whose every
   * query commits by itself. Only for a handler whose effect is one statement, atomic on its own
   * (the gate writes its decisions and their outbox rows in one): it saves the BEGIN and COMMIT
   * round trips of every chunk. Needs `dedupe: false` and no `trackPositions`, which would be
   * separate writes.
   */
  transaction?: boolean;
}

/**
 * What a handler may return: the outbox rows it wrote under the relay's lease (`stageEvents` or
 * `outboxInsert` with `OutboxRelay.lease`), to be published as soon as its transaction commits
 * rather than at the relay's next round. Nothing returned: the relay is woken.
 */
export type HandlerResult = void | readonly OutboxRow[];

/**
 * For a handler that may wait (the gate holding orders for their facts, G-11). Waiting inside a transaction keeps
 * it open: a consumer that waits long should run with `transaction: false`, as the gate's orders consumer does.
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

/** How a consumer applies its messages, `M` being what it receives. */
interface Handlers<M> {
  handle(message: M, manager: EntityManager, context: HandlerContext): Promise<HandlerResult>;
  /**
   * Optional: applies a chunk of a fetched batch (one partition, in offset order, first deliveries
   * only) in one transaction. `handle` stays the path for the one-by-one fallback.
   */
  handleBatch?(
    messages: M[],
    manager: EntityManager,
    prepared: Promise<unknown> | undefined,
    context: HandlerContext,
  ): Promise<HandlerResult>;
}

/** Messages are parsed and checked against libs/contracts; invalid ones go to `<topic>.dlq`. */
export interface ValidatedConsumerSpec extends CommonSpec, Handlers<ValidatedMessage> {
  mode: 'validated';
  /**
   * Optional: the effect of a message that failed validation, for a consumer whose senders wait for an answer to
   * every message (the gate's InvalidOrder decision, G-14). It commits in its own transaction (or statement, with
   * `transaction: false`) before the message goes to `<topic>.dlq` all the same; a redelivery runs it again, so
   * it must be idempotent. Failures are retried as a handler's are; past `maxAttempts` the message is only
   * dead-lettered.
   */
  onInvalid?(message: InboundMessage, reason: string, manager: EntityManager): Promise<HandlerResult>;
}

/** Messages reach the handler as they are, whatever their bytes (the audit keeps everything). */
export interface RawConsumerSpec extends CommonSpec, Handlers<InboundMessage> {
  mode: 'raw';
}

export type ConsumerSpec = ValidatedConsumerSpec | RawConsumerSpec;

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  admin: Admin;
  dataSource: DataSource;
  /** Used for dead letters. */
  producer: Producer;
  schema: string;
  groupId: string;
  /** Where a group with no committed offsets starts: everything (production) or the end (tests). */
  newGroupStart: 'earliest' | 'latest';
  /** Non-transient handler failures are retried this many times before the message is dead-lettered. */
  maxAttempts?: number;
  onDeadLetter?: (topic: string, reason: string) => void;
  onProcessed?: (topic: string, count: number) => void;
  /** Called after each committed effect, e.g. to wake the outbox relay for the events it wrote. */
  onApplied?: () => void;
  /** Publishes the outbox rows a handler returned, right after its commit; must not throw. */
  publishNow?: (rows: readonly OutboxRow[]) => Promise<void>;
}

interface MergeRequest {
  messages: InboundMessage[];
  heartbeat: () => Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Runs one Kafka consumer group over kafkajs `eachBatch`. Per message: validate, then apply the
 * handler, the processed-event record and the position in one database transaction, then mark
 * the offset. A message that fails validation, or that the handler rejects, is published to
 * `<topic>.dlq` with the reason and its offset committed: the consumer goes on and never loops on
 * it. A transient failure (database or broker away) is retried with backoff, not dead-lettered.
 *
 * A spec with `handleBatch` is applied a chunk at a time instead (up to `batchSize` messages of a
 * fetched batch in one transaction), with the same semantics per chunk: a transient failure
 * retries the chunk; any other failure rolls it back and replays it one message at a time through
 * `handle`, so that only the bad message is dead-lettered and the others are applied.
 */
export class ConsumerRunner {
  private readonly logger: Logger;
  private readonly consumer: Consumer;
  private readonly table: { processed: string; positions: string };
  private joined = false;
  private stopped = false;
  /** Next offset applied per `topic:partition` by this instance, known once its transaction committed. */
  private readonly applied = new Map<string, bigint>();
  private readonly mergeQueue: MergeRequest[] = [];
  private merging = false;
  /** Sends on commit run one after the other, behind the consumer: the next fetch need not wait. */
  private publishing: Promise<void> = Promise.resolve();
  private publishesPending = 0;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.logger = new Logger(`Consumer:${spec.name}`);
    if (spec.transaction === false && (spec.dedupe !== false || spec.trackPositions))
      throw new Error(
        `consumer ${spec.name}: without a transaction there is no dedupe record or position to write with the effect (set dedupe: false, no trackPositions)`,
      );
    const s = quoteIdent(options.schema);
    this.table = { processed: `${s}.processed_events`, positions: `${s}.consumer_positions` };
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: spec.fetchBytes?.perPartition,
      maxBytes: spec.fetchBytes?.total,
      retry: { retries: 10 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.joined = false;
      this.logger.error(`consumer crashed: ${errText(e.payload.error)} (restart: ${e.payload.restart})`);
    });
    this.consumer.on(this.consumer.events.STOP, () => {
      this.joined = false;
    });
  }

  get name(): string {
    return this.spec.name;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  isJoined(): boolean {
    return this.joined;
  }

  /**
   * The next offset per `topic:partition` this instance has applied and committed (with
   * `trackPositions`): a lower bound of the stored positions that costs no query. Like the stored
   * positions, it is the last applied, not the highest ever.
   */
  appliedPositions(): ReadonlyMap<string, bigint> {
    return this.applied;
  }

  /** Stops fetching, without leaving the group; `resume` goes on from where it was (kafkajs pause/resume). */
  pause(): void {
    this.consumer.pause(this.spec.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.consumer.resume(this.spec.topics.map((topic) => ({ topic })));
  }

  async start(): Promise<void> {
    if (this.options.newGroupStart === 'latest')
      await retryWhileRetriable(() => this.positionNewGroupAtEnd());
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.spec.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      // Merged chunks need every partition of a fetch handed over at once.
      partitionsConsumedConcurrently: this.spec.mergePartitions && this.spec.handleBatch ? 64 : 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
    await this.publishing;
  }

  private async onBatch(payload: EachBatchPayload) {
    if (this.spec.handleBatch) return this.onBatchInChunks(payload);
    return this.onBatchOneByOne(payload);
  }

  private async onBatchOneByOne({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload) {
    let count = 0;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const inbound = toInbound(batch.topic, batch.partition, message);
      await this.process(inbound, heartbeat);
      resolveOffset(message.offset);
      count++;
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
    if (count > 0) this.options.onProcessed?.(batch.topic, count);
  }

  private async onBatchInChunks({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload) {
    const size = Math.max(1, this.spec.batchSize ?? 500);
    let count = 0;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!isRunning() || isStale()) break;
      const chunk = batch.messages
        .slice(start, start + size)
        .map((m) => toInbound(batch.topic, batch.partition, m));
      if (this.spec.mergePartitions) await this.processMerged(chunk, heartbeat);
      else await this.processChunk(chunk, heartbeat);
      resolveOffset(chunk[chunk.length - 1].offset);
      count += chunk.length;
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
    if (count > 0) this.options.onProcessed?.(batch.topic, count);
  }

  /**
   * Hands a chunk to the merger: the chunks of all partitions handed over in the same turn of the
   * event loop (kafkajs starts every batch of a fetch at once) are processed as one.
   */
  private processMerged(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.mergeQueue.push({ messages, heartbeat, resolve, reject });
      if (!this.merging) {
        this.merging = true;
        setImmediate(() => void this.runMerged());
      }
    });
  }

  private async runMerged(): Promise<void> {
    try {
      while (this.mergeQueue.length > 0) {
        const taken = this.mergeQueue.splice(0, this.mergeQueue.length);
        try {
          await this.processChunk(
            taken.flatMap((t) => t.messages),
            taken[0].heartbeat,
          );
          taken.forEach((t) => t.resolve());
        } catch (err) {
          taken.forEach((t) => t.reject(err));
        }
      }
    } finally {
      this.merging = false;
    }
  }

  private async processChunk(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const { context, membershipLost } = this.handlerContext(heartbeat);
    let prepared = this.startPrepareChunk();
    const accepted: Accepted[] = [];
    for (const message of messages) {
      const checked = this.check(message);
      if ('reason' in checked) await this.refuseInvalid(message, checked.reason, heartbeat);
      else accepted.push(checked);
    }
    if (accepted.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt > 1) prepared = this.startPrepareChunk();
        await this.afterCommit(await this.applyChunk(accepted, prepared, context));
        return;
      } catch (err) {
        if (membershipLost() || err instanceof ChunkAbandonedError) throw err;
        if (!isTransientError(err) || err instanceof RejectedMessageError) {
          const first = accepted[0].message;
          this.logger.warn(
            `${first.topic}[${first.partition}] chunk of ${accepted.length} from @${first.offset} failed, applying it one by one: ${errText(err)}`,
          );
          for (const { message, validated } of accepted) await this.applyOne(message, validated, heartbeat);
          return;
        }
        if (this.stopped) throw err;
        this.logger.warn(
          `chunk of ${accepted.length} failed (attempt ${attempt}, transient): ${errText(err)}`,
        );
        await new Promise((r) => setTimeout(r, Math.min(5000, 50 * 2 ** Math.min(attempt, 7))));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  /** The context handed to the handler; `membershipLost` says whether its heartbeat found the group rebalancing. */
  private handlerContext(heartbeat: () => Promise<void>) {
    let lost = false;
    const context: HandlerContext = {
      heartbeat: async () => {
        try {
          await heartbeat();
        } catch (err) {
          lost = true;
          throw err;
        }
      },
      isRunning: () => !this.stopped,
    };
    return { context, membershipLost: () => lost };
  }

  /** The spec's prepareChunk, started now (a rejection nobody awaits is not an unhandled one). */
  private startPrepareChunk(): Promise<unknown> | undefined {
    const prepared = this.spec.prepareChunk?.();
    prepared?.catch(() => undefined);
    return prepared;
  }

  /** Applies a chunk in one transaction (see `transaction`); returns the outbox events to publish once it committed. */
  private async applyChunk(
    accepted: Accepted[],
    prepared: Promise<unknown> | undefined,
    context: HandlerContext,
  ): Promise<readonly OutboxRow[]> {
    const messages = accepted.map((a) => a.message);
    const published = await this.inTransaction(async (manager) => {
      const fresh = await this.firstDeliveries(accepted, manager);
      let result: HandlerResult = undefined;
      if (fresh.length > 0) {
        if (this.spec.mode === 'validated')
          result = await this.spec.handleBatch!(
            fresh.map((a) => a.validated!),
            manager,
            prepared,
            context,
          );
        else
          result = await this.spec.handleBatch!(
            fresh.map((a) => a.message),
            manager,
            prepared,
            context,
          );
      }
      if (this.spec.trackPositions) await this.storePositions(messages, manager);
      return result ?? [];
    });
    this.noteApplied(messages);
    return published;
  }

  /**
   * Publishes what the handler named, or wakes the relay for whatever it wrote. The send runs
   * behind the consumer, in commit order; the consumer waits only when two are already queued.
   */
  private async afterCommit(rows: readonly OutboxRow[]): Promise<void> {
    const publishNow = this.options.publishNow;
    if (rows.length === 0 || !publishNow) {
      this.options.onApplied?.();
      return;
    }
    this.publishesPending++;
    this.publishing = this.publishing.then(() => publishNow(rows)).finally(() => this.publishesPending--);
    if (this.publishesPending > 2) await this.publishing;
  }

  /** The chunk's messages not applied before (nor earlier in the chunk), recorded as applied. */
  private async firstDeliveries(accepted: Accepted[], manager: EntityManager): Promise<Accepted[]> {
    if (this.spec.dedupe === false) return accepted;
    const keys = accepted.map(({ message, validated }) => this.dedupeKey(message, validated));
    const inserted: Array<{ event_id: string }> = await manager.query(
      `INSERT INTO ${this.table.processed} (consumer, event_id) SELECT $1, k FROM unnest($2::text[]) AS k
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.spec.name, keys],
    );
    const fresh = new Set(inserted.map((r) => r.event_id));
    return accepted.filter((_, i) => fresh.delete(keys[i]));
  }

  /** Parses and validates a message when the spec asks for it; the reason when it must be dead-lettered. */
  private check(message: InboundMessage): Accepted | { reason: string } {
    if (this.spec.mode !== 'validated') return { message };
    const result = parseAndValidate(message.value, { topic: message.topic });
    if (!result.ok) return { reason: result.reason };
    return { message, validated: { ...message, envelope: result.envelope } };
  }

  private async process(message: InboundMessage, heartbeat: () => Promise<void>): Promise<void> {
    const checked = this.check(message);
    if ('reason' in checked) return this.refuseInvalid(message, checked.reason, heartbeat);
    return this.applyOne(message, checked.validated, heartbeat);
  }

  /** A message that failed validation: the spec's `onInvalid` effect, if any, then the dead letter. */
  private async refuseInvalid(
    message: InboundMessage,
    reason: string,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const onInvalid = this.spec.mode === 'validated' ? this.spec.onInvalid?.bind(this.spec) : undefined;
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; onInvalid; attempt++) {
      try {
        await this.afterCommit(
          await this.inTransaction(async (m) => (await onInvalid(message, reason, m)) ?? []),
        );
        break;
      } catch (err) {
        const transient = isTransientError(err);
        if (!transient && attempt >= maxAttempts) {
          this.logger.error(
            `${message.topic}[${message.partition}]@${message.offset}: onInvalid failed after ${attempt} attempts, dead-lettering only: ${errText(err)}`,
          );
          break;
        }
        if (this.stopped) throw err;
        await new Promise((r) => setTimeout(r, Math.min(5000, 50 * 2 ** Math.min(attempt, 7))));
        await heartbeat().catch(() => undefined);
      }
    }
    await this.deadLetter(message, reason);
  }

  private async applyOne(
    message: InboundMessage,
    validated: ValidatedMessage | undefined,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const { context, membershipLost } = this.handlerContext(heartbeat);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.afterCommit(await this.apply(message, validated, context));
        return;
      } catch (err) {
        if (membershipLost() || err instanceof ChunkAbandonedError) throw err;
        if (err instanceof RejectedMessageError) return this.deadLetter(message, `rejected: ${err.message}`);
        const transient = isTransientError(err);
        if (!transient && attempt >= maxAttempts) {
          return this.deadLetter(message, `handler failed after ${attempt} attempts: ${errText(err)}`);
        }
        if (this.stopped) throw err;
        const delay = Math.min(5000, 50 * 2 ** Math.min(attempt, 7));
        this.logger.warn(
          `${message.topic}[${message.partition}]@${message.offset} failed (attempt ${attempt}, ${transient ? 'transient' : 'will dead-letter after ' + maxAttempts}): ${errText(err)}`,
        );
        await new Promise((r) => setTimeout(r, delay));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async apply(
    message: InboundMessage,
    validated: ValidatedMessage | undefined,
    context: HandlerContext,
  ): Promise<readonly OutboxRow[]> {
    const published = await this.inTransaction(async (manager) => {
      let result: HandlerResult = undefined;
      if (await this.isFirstDelivery(message, validated, manager)) {
        if (this.spec.mode === 'validated') result = await this.spec.handle(validated!, manager, context);
        else result = await this.spec.handle(message, manager, context);
      }
      if (this.spec.trackPositions) await this.storePositions([message], manager);
      return result ?? [];
    });
    this.noteApplied([message]);
    return published;
  }

  /** Runs an effect in a transaction, or, for a spec that says `transaction: false`, as it is. */
  private inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const { dataSource } = this.options;
    return this.spec.transaction === false ? work(dataSource.manager) : dataSource.transaction(work);
  }

  /** The last message per partition: what a chunk moves each position to. */
  private static lastPerPartition(messages: readonly InboundMessage[]): Map<string, InboundMessage> {
    const last = new Map<string, InboundMessage>();
    for (const message of messages) last.set(`${message.topic}:${message.partition}`, message);
    return last;
  }

  /**
   * The position is what was applied last, not the highest ever seen: after a cluster is rebuilt
   * its offsets restart, and a stale high mark would claim a catch-up that never happened.
   */
  private async storePositions(messages: readonly InboundMessage[], manager: EntityManager): Promise<void> {
    const last = [...ConsumerRunner.lastPerPartition(messages).values()];
    await manager.query(
      `INSERT INTO ${this.table.positions} (consumer, topic, partition, next_offset)
       SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bigint[])
       ON CONFLICT (consumer, topic, partition)
       DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
      [
        this.spec.name,
        last.map((m) => m.topic),
        last.map((m) => m.partition),
        last.map((m) => (BigInt(m.offset) + 1n).toString()),
      ],
    );
  }

  /** After commit: what this instance knows it has applied, for catch-up without a query. */
  private noteApplied(messages: readonly InboundMessage[]): void {
    if (!this.spec.trackPositions) return;
    for (const [key, message] of ConsumerRunner.lastPerPartition(messages))
      this.applied.set(key, BigInt(message.offset) + 1n);
  }

  /** Offsets restart when a cluster is rebuilt: without an eventId, place and time identify a message. */
  private dedupeKey(message: InboundMessage, validated: ValidatedMessage | undefined): string {
    return (
      validated?.envelope.eventId ??
      `${message.topic}/${message.partition}/${message.offset}@${message.timestamp}`
    );
  }

  private async isFirstDelivery(
    message: InboundMessage,
    validated: ValidatedMessage | undefined,
    manager: EntityManager,
  ): Promise<boolean> {
    if (this.spec.dedupe === false) return true;
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${this.table.processed} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.spec.name, this.dedupeKey(message, validated)],
    );
    return inserted.length > 0;
  }

  private async deadLetter(message: InboundMessage, reason: string): Promise<void> {
    const dlq = dlqTopicOf(message.topic);
    this.logger.warn(
      `dead-lettering ${message.topic}[${message.partition}]@${message.offset} to ${dlq}: ${reason}`,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.producer.send({
          topic: dlq,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                [DLQ_HEADERS.reason]: reason,
                [DLQ_HEADERS.sourceTopic]: message.topic,
                [DLQ_HEADERS.sourcePartition]: String(message.partition),
                [DLQ_HEADERS.sourceOffset]: message.offset,
              },
            },
          ],
        });
        this.options.onDeadLetter?.(message.topic, reason);
        return;
      } catch (err) {
        // The offset must not move past a message that is neither applied nor dead-lettered.
        if (this.stopped) throw err;
        this.logger.error(`could not publish to ${dlq} (attempt ${attempt}): ${errText(err)}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  /**
   * A new group starts at the current end of each topic, committed before it joins: no race with
   * messages produced once it is ready. (kafkajs's admin.setOffsets does the same one topic at a
   * time and waits out a default 5 s fetch for each.)
   */
  private async positionNewGroupAtEnd(): Promise<void> {
    const { admin, kafka, groupId } = this.options;
    const topics = [...this.spec.topics];
    const committed = await admin.fetchOffsets({ groupId, topics });
    if (committed.some(({ partitions }) => partitions.some((p) => p.offset !== '-1'))) return;
    const ends = await Promise.all(
      topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
    );
    const placer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    await placer.connect();
    try {
      await placer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        placer.on(placer.events.FETCH, () => void placer.stop().then(resolve, reject));
        placer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
        placer.pause(topics.map((topic) => ({ topic })));
        for (const { topic, offsets } of ends) {
          for (const { partition, high } of offsets) placer.seek({ topic, partition, offset: high });
        }
      });
    } finally {
      await placer.disconnect();
    }
  }
}

interface Accepted {
  message: InboundMessage;
  validated?: ValidatedMessage;
}

/**
 * A broker that has just started answers "not the coordinator" or "coordinator loading" for a
 * while; kafkajs's admin calls do not retry those themselves.
 */
async function retryWhileRetriable<T>(work: () => Promise<T>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await work();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function toInbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value,
    headers: message.headers ?? {},
    timestamp: message.timestamp,
  };
}
