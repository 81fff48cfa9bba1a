import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import {
  metricsRegistry,
  scrapedGauges,
  SERVICE_CONFIG,
  type ServiceConfig,
  singleMetric,
} from '@app/platform';
import { ConsumerRegistry } from './consumer-registry';
import { KafkaClients } from './kafka-clients';
import { SERVICE_SCHEMA } from './messaging-options';
import { runSql, sql, table } from './sql';

const outboxBacklog = scrapedGauges.gauge(
  'outbox_backlog_messages',
  'Events written to the service outbox and not yet published (read from the database at scrape time; the same for every instance of a service).',
  ['service'],
);

const outboxOldestAge = scrapedGauges.gauge(
  'outbox_oldest_message_age_seconds',
  'Age of the oldest event waiting in the service outbox, 0 when it is empty.',
  ['service'],
);

const consumerLag = scrapedGauges.gauge(
  'messaging_consumer_lag_messages',
  "Messages on a partition past the consumer group's committed offset (end offset minus committed offset, read from the broker at scrape time).",
  ['service', 'group', 'topic', 'partition'],
);

/** Why a message went to its `.dlq`: a small fixed set, never the message's own text. */
export type DeadLetterReason = 'invalid' | 'rejected' | 'handler_failed';

/** The class of a dead letter's reason, as the runners word it (see one-by-one-runner.ts). */
export function deadLetterReasonOf(reason: string): DeadLetterReason {
  if (reason.startsWith('rejected:')) return 'rejected';
  if (reason.startsWith('handler failed')) return 'handler_failed';
  return 'invalid';
}

export const messagesDeadLettered = singleMetric(
  'messages_dead_lettered_total',
  () =>
    new Counter({
      name: 'messages_dead_lettered_total',
      help: 'Messages sent to a .dlq topic, by source topic and reason (invalid: failed validation; rejected: the handler refused it; handler_failed: it kept failing).',
      labelNames: ['topic', 'reason'] as const,
      registers: [metricsRegistry],
    }),
);

/**
 * The service's messaging state as gauges, read when /metrics is scraped: its outbox backlog and the oldest
 * event's age (from the database), and each of its consumer groups' lag per partition (from the broker).
 */
@Injectable()
export class MessagingMetrics implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly consumers: ConsumerRegistry,
    private readonly clients: KafkaClients,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  onModuleInit(): void {
    const service = this.config.service;
    this.stop = scrapedGauges.add(async () => {
      await Promise.all([this.readOutbox(service), this.readLag(service)]);
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  private async readOutbox(service: string): Promise<void> {
    const [row] = await runSql<Array<{ backlog: string; age: number | null }>>(
      this.dataSource,
      sql`SELECT count(*) AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS age
            FROM ${table(this.schema, 'outbox')}`,
    );
    outboxBacklog.set({ service }, Number(row.backlog));
    outboxOldestAge.set({ service }, Math.max(0, row.age ?? 0));
  }

  private async readLag(service: string): Promise<void> {
    const { admin } = this.clients;
    const ends = new Map<string, Promise<Map<number, bigint>>>();
    const endsOf = (topic: string) => {
      let found = ends.get(topic);
      if (!found) {
        found = admin
          .fetchTopicOffsets(topic)
          .then((parts) => new Map(parts.map((p) => [p.partition, BigInt(p.high)])));
        ends.set(topic, found);
      }
      return found;
    };
    await Promise.all(
      this.consumers.all().map(async (consumer) => {
        const committed = await admin.fetchOffsets({
          groupId: consumer.groupId,
          topics: [...consumer.topics],
        });
        for (const { topic, partitions } of committed) {
          const end = await endsOf(topic);
          for (const { partition, offset } of partitions) {
            const high = end.get(partition);
            if (high === undefined) continue;
            // A group with nothing committed yet on a partition has all of it ahead.
            const at = BigInt(offset) < 0n ? 0n : BigInt(offset);
            const lag = high > at ? Number(high - at) : 0;
            consumerLag.set({ service, group: consumer.groupId, topic, partition: String(partition) }, lag);
          }
        }
      }),
    );
  }
}
