import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CatchUp } from './catch-up';
import { ConsumerRegistry } from './consumer-registry';
import { KafkaClients } from './kafka-clients';
import { MessagingOptions, SERVICE_SCHEMA } from './messaging-options';
import { MessagingLifecycle } from './messaging.service';
import { OutboxRelay } from './outbox-relay';
import { TransactionalOutbox } from './transactional-outbox';

/**
 * The service's messaging parts, each injected by the class that uses it: the schema
 * (SERVICE_SCHEMA), the Kafka clients, the outbox relay, the transactional outbox, the consumer
 * registry and the catch-up; MessagingLifecycle starts and stops them in order.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_SCHEMA, useValue: options.schema },
      { provide: KafkaClients, useFactory: () => new KafkaClients(options) },
      {
        provide: OutboxRelay,
        inject: [DataSource, KafkaClients],
        useFactory: (dataSource: DataSource, clients: KafkaClients) =>
          new OutboxRelay(dataSource, clients.producer, { schema: options.schema }),
      },
      {
        provide: TransactionalOutbox,
        inject: [DataSource, OutboxRelay],
        useFactory: (dataSource: DataSource, relay: OutboxRelay) =>
          new TransactionalOutbox(dataSource, options.schema, relay),
      },
      {
        provide: ConsumerRegistry,
        inject: [KafkaClients, DataSource, OutboxRelay],
        useFactory: (clients: KafkaClients, dataSource: DataSource, relay: OutboxRelay) =>
          new ConsumerRegistry(options, clients, dataSource, relay),
      },
      {
        provide: CatchUp,
        inject: [KafkaClients, DataSource, ConsumerRegistry],
        useFactory: (clients: KafkaClients, dataSource: DataSource, consumers: ConsumerRegistry) =>
          new CatchUp(clients.admin, dataSource, options.schema, consumers),
      },
      {
        provide: MessagingLifecycle,
        inject: [KafkaClients, OutboxRelay, ConsumerRegistry],
        useFactory: (clients: KafkaClients, relay: OutboxRelay, consumers: ConsumerRegistry) =>
          new MessagingLifecycle(options, clients, relay, consumers),
      },
    ];
    return {
      module: MessagingModule,
      global: true,
      providers,
      exports: [
        SERVICE_SCHEMA,
        KafkaClients,
        OutboxRelay,
        TransactionalOutbox,
        ConsumerRegistry,
        CatchUp,
        MessagingLifecycle,
      ],
    };
  }
}
