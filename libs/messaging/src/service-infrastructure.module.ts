import { DynamicModule, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ConfigError, metricsRegistry, ReadinessRegistry, ServiceConfig } from '@app/platform';
import { serviceDataSourceOptions } from './database';
import { ConsumerRegistry } from './consumer-registry';
import { deadLetterReasonOf, MessagingMetrics, messagesDeadLettered } from './messaging-metrics';
import { MessagingModule } from './messaging.module';
import { MessagingLifecycle } from './messaging.service';
import { runMigrationsLocked } from './migrations';
import { ReadPool, readPoolSettings } from './read-pool';

export interface ServiceInfrastructureOptions {
  /** The service's own schema (its tables, outbox and consumer records). */
  schema: string;
  entities?: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  /**
   * The URL of the role the service runs as, when that is not the owner of its schema: the
   * migrations run on a connection of the owner's (DATABASE_URL), closed before the service starts.
   */
  runtimeDatabaseUrl?: string;
  /** Provide a ReadPool (S-08, `READ_POOL_*` settings) for the service's long reads. */
  readPool?: boolean;
}

/** Where a consumer group with no committed offsets starts; tests place new groups at the end. */
export function newGroupStartFrom(env: NodeJS.ProcessEnv = process.env): 'earliest' | 'latest' {
  const value = env.KAFKA_NEW_GROUP_START ?? 'earliest';
  if (value !== 'earliest' && value !== 'latest') {
    throw new Error(`KAFKA_NEW_GROUP_START must be "earliest" or "latest"`);
  }
  return value;
}

/**
 * KAFKA_SESSION_TIMEOUT_MS: how long the broker waits for a silent consumer (a frozen or partitioned process)
 * before it moves the consumer's partitions to the group's other members. 6000..300000 (the broker's own
 * group.min/max.session.timeout.ms bounds), default 30000.
 */
export function sessionTimeoutFrom(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.KAFKA_SESSION_TIMEOUT_MS?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!/^\d{4,6}$/.test(text) || value < 6000 || value > 300000) {
    throw new ConfigError([
      {
        variable: 'KAFKA_SESSION_TIMEOUT_MS',
        expected: 'must be a whole number of milliseconds between 6000 and 300000',
      },
    ]);
  }
  return value;
}

/** One registry per process: several services started in one test process share it. */
function counter(name: string, help: string): Counter<'topic'> {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing) return existing as Counter<'topic'>;
  return new Counter({ name, help, labelNames: ['topic'], registers: [metricsRegistry] });
}

@Injectable()
class InfrastructureReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingLifecycle,
    private readonly consumers: ConsumerRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('database', async () => {
      await this.dataSource.query('SELECT 1');
    });
    this.readiness.register('kafka', async () => this.messaging.isReady());
    const processed = counter('messages_consumed_total', 'Messages consumed, by topic');
    this.consumers.onDeadLetter((topic, reason) =>
      messagesDeadLettered.inc({ topic, reason: deadLetterReasonOf(reason) }),
    );
    this.consumers.onProcessed((topic, count) => processed.inc({ topic }, count));
  }
}

@Injectable()
class ReadPoolShutdown implements OnApplicationShutdown {
  constructor(private readonly pool: ReadPool) {}

  onApplicationShutdown(): Promise<void> {
    return this.pool.end();
  }
}

function readPoolProviders(config: ServiceConfig, options: ServiceInfrastructureOptions) {
  if (!options.readPool) return [];
  const { settings, problems } = readPoolSettings(process.env);
  if (problems.length > 0) throw new ConfigError(problems);
  return [
    {
      provide: ReadPool,
      useFactory: () =>
        new ReadPool({
          url: options.runtimeDatabaseUrl ?? config.databaseUrl,
          ...settings,
          applicationName: `acceptance-gate/${options.schema}/reads`,
        }),
    },
    ReadPoolShutdown,
  ];
}

/**
 * The database (own schema, migrated at start under a lock) and Kafka of one service, with their
 * readiness checks and metrics. Provides, for the service's classes to inject: the DataSource,
 * SERVICE_SCHEMA, KafkaClients, OutboxRelay, TransactionalOutbox, ConsumerRegistry, CatchUp (and
 * ReadPool with `readPool`); see MessagingModule.
 */
@Module({})
export class ServiceInfrastructureModule {
  static forRoot(config: ServiceConfig, options: ServiceInfrastructureOptions): DynamicModule {
    return {
      module: ServiceInfrastructureModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            serviceDataSourceOptions({
              url: options.runtimeDatabaseUrl ?? config.databaseUrl,
              schema: options.schema,
              entities: options.entities ?? [],
              migrations: options.migrations,
            }),
          dataSourceFactory: async (dsOptions) => {
            const runtimeUrl = options.runtimeDatabaseUrl;
            if (runtimeUrl === undefined || runtimeUrl === config.databaseUrl) {
              const dataSource = await new DataSource(dsOptions!).initialize();
              await runMigrationsLocked(dataSource, options.schema);
              return dataSource;
            }
            const owner = await new DataSource({
              ...dsOptions!,
              url: config.databaseUrl,
              extra: { max: 2 },
            } as DataSourceOptions).initialize();
            try {
              await runMigrationsLocked(owner, options.schema);
            } finally {
              await owner.destroy();
            }
            return new DataSource(dsOptions!).initialize();
          },
        }),
        MessagingModule.forRoot({
          schema: options.schema,
          service: config.service,
          brokers: config.kafkaBrokers,
          security: config.kafkaSecurity,
          groupPrefix: config.kafkaGroupPrefix,
          newGroupStart: newGroupStartFrom(),
          sessionTimeoutMs: sessionTimeoutFrom(),
        }),
      ],
      providers: [InfrastructureReadiness, MessagingMetrics, ...readPoolProviders(config, options)],
      exports: options.readPool ? [ReadPool] : [],
    };
  }
}
