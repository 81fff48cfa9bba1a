/**
 * One consumer, put together from its spec: the kafkajs group, the runner its delivery names (one by one, or in
 * chunks), and the parts both runners share (checks, effects and their records, dead letters, publish on commit).
 * `Messaging.registerConsumer` builds one per registered spec.
 */
import { Logger } from '@nestjs/common';
import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { OutboxRow } from '../outbox';
import { checkedHandlersOf } from './checked-handlers';
import { ConsumerGroup } from './consumer-group';
import { ConsumerSpec } from './consumer-spec';
import { DeadLetters } from './dead-letters';
import { Effects, effectsOf } from './effects';
import { ChunkRunner } from './chunk-runner';
import { placeNewGroupAtEnd } from './new-group-at-end';
import { OneByOneRunner } from './one-by-one-runner';
import { TracedRunner } from './traced-runner';
import { PublishOnCommit } from './publish-on-commit';
import { DeliveryRunner } from './runner-parts';

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
  /** The group's session timeout; default 30 s. */
  sessionTimeoutMs?: number;
  /** The service the consumer belongs to: it names the spans' tracer. */
  service?: string;
  onDeadLetter?: (topic: string, reason: string) => void;
  onProcessed?: (topic: string, count: number) => void;
  /** Called after each committed effect, e.g. to wake the outbox relay for the events it wrote. */
  onApplied?: () => void;
  /** Publishes the outbox rows a handler returned, right after its commit; must not throw. */
  publishNow?: (rows: readonly OutboxRow[]) => Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 5;

export class ConsumerRunner {
  private readonly group: ConsumerGroup;
  private readonly runner: DeliveryRunner;
  private readonly effects: Effects;
  private readonly afterCommit: PublishOnCommit;
  private stopped = false;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly options: ConsumerRunnerOptions,
  ) {
    const logger = new Logger(`Consumer:${spec.name}`);
    const { delivery } = spec;
    const chunked = delivery.kind !== 'one-by-one';
    this.effects = effectsOf(spec, options.dataSource, options.schema);
    this.afterCommit = new PublishOnCommit(options.publishNow, options.onApplied);
    const isStopped = () => this.stopped;
    const handlers = checkedHandlersOf(spec);
    const parts = {
      logger,
      handlers,
      effects: this.effects,
      afterCommit: this.afterCommit,
      deadLetters: new DeadLetters(options.producer, logger, isStopped, options.onDeadLetter),
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      isStopped,
    };
    const oneByOne = new OneByOneRunner(parts);
    this.runner = new TracedRunner(
      handlers.chunks ? new ChunkRunner(parts, handlers.chunks, oneByOne) : oneByOne,
      { service: options.service ?? 'unknown', groupId: options.groupId },
    );
    this.group = new ConsumerGroup(
      options.kafka,
      {
        groupId: options.groupId,
        topics: spec.topics,
        fetchBytes: chunked ? delivery.fetchBytes : undefined,
        mergesPartitions: chunked && !!delivery.mergePartitions,
        onProcessed: options.onProcessed,
        sessionTimeoutMs: options.sessionTimeoutMs,
      },
      logger,
    );
  }

  get name(): string {
    return this.spec.name;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  get topics(): readonly string[] {
    return this.spec.topics;
  }

  isJoined(): boolean {
    return this.group.isJoined();
  }

  /**
   * The next offset per `topic:partition` this instance has applied and committed (with
   * `trackPositions`): a lower bound of the stored positions that costs no query. Like the stored
   * positions, it is the last applied, not the highest ever.
   */
  appliedPositions(): ReadonlyMap<string, bigint> {
    return this.effects.appliedPositions();
  }

  /** Stops fetching, without leaving the group; `resume` goes on from where it was (kafkajs pause/resume). */
  pause(): void {
    this.group.pause();
  }

  resume(): void {
    this.group.resume();
  }

  async start(): Promise<void> {
    const { kafka, admin, groupId, newGroupStart } = this.options;
    if (newGroupStart === 'latest') await placeNewGroupAtEnd(kafka, admin, groupId, this.spec.topics);
    await this.group.run(this.runner);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.group.disconnect();
    await this.afterCommit.settled();
  }
}
