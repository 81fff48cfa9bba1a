/**
 * The kafkajs side of a consumer: its group membership (joined or not, for readiness), pause and resume, and
 * the fetch loop, which hands each partition's fetched batch to the delivery runner a slice at a time and
 * marks the offsets of what was applied (or dead-lettered) for commit.
 */
import { Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { errText } from '../outbox-relay';
import { InboundMessage } from './consumer-spec';
import { DeliveryRunner } from './runner-parts';

export interface ConsumerGroupSettings {
  groupId: string;
  topics: readonly string[];
  fetchBytes?: { perPartition?: number; total?: number };
  /** Merged chunks need every partition of a fetch handed over at once. */
  mergesPartitions: boolean;
  onProcessed?: (topic: string, count: number) => void;
  /** How long the broker waits for a silent member before moving its partitions (default 30 s). */
  sessionTimeoutMs?: number;
}

export const DEFAULT_SESSION_TIMEOUT_MS = 30_000;

export class ConsumerGroup {
  private readonly consumer: Consumer;
  private joined = false;

  constructor(
    kafka: Kafka,
    private readonly settings: ConsumerGroupSettings,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.max(
        500,
        Math.floor((settings.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS) / 10),
      ),
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: settings.fetchBytes?.perPartition,
      maxBytes: settings.fetchBytes?.total,
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

  isJoined(): boolean {
    return this.joined;
  }

  pause(): void {
    this.consumer.pause(this.settings.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.consumer.resume(this.settings.topics.map((topic) => ({ topic })));
  }

  async run(runner: DeliveryRunner): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.settings.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.mergesPartitions ? 64 : 3,
      eachBatch: (payload) => this.deliver(runner, payload),
    });
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }

  private async deliver(
    runner: DeliveryRunner,
    { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload,
  ): Promise<void> {
    let count = 0;
    for (let start = 0; start < batch.messages.length; start += runner.sliceSize) {
      if (!isRunning() || isStale()) break;
      const slice = batch.messages
        .slice(start, start + runner.sliceSize)
        .map((m) => toInbound(batch.topic, batch.partition, m));
      await runner.apply(slice, heartbeat);
      resolveOffset(slice[slice.length - 1].offset);
      count += slice.length;
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
    if (count > 0) this.settings.onProcessed?.(batch.topic, count);
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
