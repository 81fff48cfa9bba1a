import { DataSource } from 'typeorm';
import { consumedTopics, Principal } from '@app/contracts';
import { ConsumerGroups } from './catch-up';
import { ConsumerRunner, ConsumerSpec } from './consumers';
import { KafkaClients } from './kafka-clients';
import { MessagingOptions } from './messaging-options';
import { OutboxRelay } from './outbox-relay';

type DeadLetterListener = (topic: string, reason: string) => void;
type ProcessedListener = (topic: string, count: number) => void;

/**
 * The service's consumers: each registers here during module init (`register`), and
 * MessagingLifecycle starts them once the relay runs. Also where dead letters and processed
 * messages are reported (`onDeadLetter`, `onProcessed`) and what a catch-up knows of each group.
 */
export class ConsumerRegistry implements ConsumerGroups {
  private readonly runners: ConsumerRunner[] = [];
  private started = false;
  private readonly deadLetterListeners: DeadLetterListener[] = [];
  private readonly processedListeners: ProcessedListener[] = [];

  constructor(
    private readonly options: MessagingOptions,
    private readonly clients: KafkaClients,
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  groupIdFor(consumerName: string): string {
    return `${this.options.groupPrefix}.${this.options.service}.${consumerName}`;
  }

  /**
   * A consumer reads exactly the topics libs/contracts/src/topic-access.json declares for it: the
   * secured broker's ACLs are built from that file, so a consumer it does not list could not read.
   */
  register(spec: ConsumerSpec): ConsumerRunner {
    if (this.started) throw new Error(`consumer ${spec.name} registered after start`);
    const declared = consumedTopics(this.options.service as Principal, spec.name);
    if ([...declared].sort().join() !== [...spec.topics].sort().join())
      throw new Error(
        `consumer ${spec.name} of ${this.options.service} reads ${spec.topics.join(', ')}, but topic-access.json declares ${declared.join(', ')}`,
      );
    const runner = new ConsumerRunner(spec, {
      kafka: this.clients.kafka,
      admin: this.clients.admin,
      dataSource: this.dataSource,
      producer: this.clients.producer,
      schema: this.options.schema,
      groupId: this.groupIdFor(spec.name),
      service: this.options.service,
      newGroupStart: this.options.newGroupStart ?? 'earliest',
      maxAttempts: this.options.maxAttempts,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      onDeadLetter: (topic, reason) => this.deadLetterListeners.forEach((l) => l(topic, reason)),
      onProcessed: (topic, count) => this.processedListeners.forEach((l) => l(topic, count)),
      onApplied: () => this.relay.wake(),
      publishNow: (rows) => this.relay.publishNow(rows),
    });
    this.runners.push(runner);
    return runner;
  }

  /** The consumer registered under this name. */
  consumer(name: string): ConsumerRunner | undefined {
    return this.runners.find((r) => r.name === name);
  }

  /** What this instance's consumer `name` has applied and committed, per `topic:partition` (see ConsumerRunner). */
  appliedPositions(consumerName: string): ReadonlyMap<string, bigint> | undefined {
    return this.consumer(consumerName)?.appliedPositions();
  }

  onDeadLetter(listener: DeadLetterListener): void {
    this.deadLetterListeners.push(listener);
  }

  onProcessed(listener: ProcessedListener): void {
    this.processedListeners.push(listener);
  }

  /** Every consumer registered, for what reports on all of them (lag). */
  all(): readonly ConsumerRunner[] {
    return this.runners;
  }

  get count(): number {
    return this.runners.length;
  }

  allJoined(): boolean {
    return this.runners.every((r) => r.isJoined());
  }

  /** Starts every consumer; none may register afterwards. */
  async startAll(): Promise<void> {
    this.started = true;
    for (const runner of this.runners) await runner.start();
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.runners.map((r) => r.stop()));
  }
}
