import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Admin, Kafka, Partitioners, Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { consumedTopics, Principal } from '@app/contracts';
import type { KafkaSecurity } from '@app/platform';
import { CatchUp } from './catch-up';
import { ConsumerRunner, ConsumerSpec } from './consumers';
import { EndOffsets } from './end-offsets';
import { createKafka } from './kafka';
import { enqueueEvents, OutboxMessage } from './outbox';
import { OutboxRelay } from './outbox-relay';

export interface MessagingOptions {
  /** The service's own database schema, where its outbox and consumer records live. */
  schema: string;
  /** The service name: the Kafka client id and part of every consumer group id. */
  service: string;
  brokers: readonly string[];
  /** SSL and SASL (KAFKA_SSL, KAFKA_SASL_*); absent for a plain broker. */
  security?: KafkaSecurity;
  /** Group ids are `<groupPrefix>.<service>.<consumer name>`. */
  groupPrefix: string;
  newGroupStart?: 'earliest' | 'latest';
  maxAttempts?: number;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/**
 * The one place a service touches Kafka: its outbox relay, its consumers and the catch-up check.
 * Consumers are registered during module init and started when the application boots; at
 * shutdown they stop first, then the relay publishes what is left, then the clients disconnect.
 */
@Injectable()
export class Messaging implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Messaging.name);
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly admin: Admin;
  readonly relay: OutboxRelay;
  readonly catchUp: CatchUp;
  private readonly endOffsets: EndOffsets;
  private readonly runners: ConsumerRunner[] = [];
  private producerConnected = false;
  private started = false;
  private readonly deadLetterListeners: Array<(topic: string, reason: string) => void> = [];
  private readonly processedListeners: Array<(topic: string, count: number) => void> = [];

  constructor(
    readonly options: MessagingOptions,
    private readonly dataSource: DataSource,
  ) {
    this.kafka = createKafka(options.brokers, options.service, options.security);
    // One request in flight keeps each partition in order across retries; a retry that duplicates
    // a message is harmless because every consumer dedupes by eventId. (kafkajs's idempotent mode
    // needs unlimited retries, which would let a dead broker hang the relay and shutdown.)
    this.producer = this.kafka.producer({
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
    this.relay = new OutboxRelay(dataSource, this.producer, { schema: options.schema });
    this.endOffsets = new EndOffsets(this.kafka, this.admin);
    this.catchUp = new CatchUp(
      this.admin,
      dataSource,
      options.schema,
      (consumer) => this.appliedPositions(consumer),
      this.endOffsets,
    );
  }

  groupIdFor(consumerName: string): string {
    return `${this.options.groupPrefix}.${this.options.service}.${consumerName}`;
  }

  /** Writes events into the outbox within the caller's transaction. */
  enqueue(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<string[]> {
    return enqueueEvents(manager, this.options.schema, messages);
  }

  /** Waits until the given events are on their topics (see OutboxRelay.flush). */
  flush(eventIds: readonly string[], timeoutMs?: number): Promise<boolean> {
    return this.relay.flush(eventIds, timeoutMs);
  }

  /** What this instance's consumer `name` has applied and committed, per `topic:partition` (see ConsumerRunner). */
  private appliedPositions(consumerName: string): ReadonlyMap<string, bigint> | undefined {
    return this.consumer(consumerName)?.appliedPositions();
  }

  /** The consumer registered under this name. */
  consumer(name: string): ConsumerRunner | undefined {
    return this.runners.find((r) => r.name === name);
  }

  /**
   * A consumer reads exactly the topics libs/contracts/src/topic-access.json declares for it: the
   * secured broker's ACLs are built from that file, so a consumer it does not list could not read.
   */
  registerConsumer(spec: ConsumerSpec): ConsumerRunner {
    if (this.started) throw new Error(`consumer ${spec.name} registered after start`);
    const declared = consumedTopics(this.options.service as Principal, spec.name);
    if ([...declared].sort().join() !== [...spec.topics].sort().join())
      throw new Error(
        `consumer ${spec.name} of ${this.options.service} reads ${spec.topics.join(', ')}, but topic-access.json declares ${declared.join(', ')}`,
      );
    const runner = new ConsumerRunner(spec, {
      kafka: this.kafka,
      admin: this.admin,
      dataSource: this.dataSource,
      producer: this.producer,
      schema: this.options.schema,
      groupId: this.groupIdFor(spec.name),
      newGroupStart: this.options.newGroupStart ?? 'earliest',
      maxAttempts: this.options.maxAttempts,
      onDeadLetter: (topic, reason) => this.deadLetterListeners.forEach((l) => l(topic, reason)),
      onProcessed: (topic, count) => this.processedListeners.forEach((l) => l(topic, count)),
      onApplied: () => this.relay.wake(),
      publishNow: (rows) => this.relay.publishNow(rows),
    });
    this.runners.push(runner);
    return runner;
  }

  onDeadLetter(listener: (topic: string, reason: string) => void): void {
    this.deadLetterListeners.push(listener);
  }

  onProcessed(listener: (topic: string, count: number) => void): void {
    this.processedListeners.push(listener);
  }

  /** Ready: the producer is connected and every consumer has joined its group. */
  isReady(): boolean {
    return this.producerConnected && this.runners.every((r) => r.isJoined());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    try {
      await Promise.all([this.producer.connect(), this.admin.connect()]);
      this.producerConnected = true;
      this.relay.start();
      for (const runner of this.runners) await runner.start();
    } catch (err) {
      // A service that fails to start must not leave its relay and consumers running behind it.
      await this.beforeApplicationShutdown();
      throw err;
    }
    this.logger.log(
      `messaging started: ${this.runners.length} consumer(s), brokers ${this.options.brokers.join(',')}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.runners.map((r) => r.stop()));
    await this.relay.stop();
    if (this.producerConnected) {
      await this.relay.drain().catch((err) => this.logger.warn(`outbox left for the next start: ${err}`));
    }
    this.producerConnected = false;
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.endOffsets.close()]);
  }
}
