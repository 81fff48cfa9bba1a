import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerRegistry } from './consumer-registry';
import { KafkaClients } from './kafka-clients';
import { MessagingOptions } from './messaging-options';
import { OutboxRelay } from './outbox-relay';

/**
 * Starts and stops the service's messaging parts in their order: when the application boots, the
 * clients connect, the relay starts, then the consumers (registered during module init); at
 * shutdown the consumers stop first, then the relay publishes what is left, then the clients
 * disconnect. Nothing else goes through it: a class injects the part it uses.
 */
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessagingLifecycle.name);
  private producerConnected = false;

  constructor(
    private readonly options: MessagingOptions,
    private readonly clients: KafkaClients,
    private readonly relay: OutboxRelay,
    private readonly consumers: ConsumerRegistry,
  ) {}

  /** Ready: the producer is connected and every consumer has joined its group. */
  isReady(): boolean {
    return this.producerConnected && this.consumers.allJoined();
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await Promise.all([this.clients.producer.connect(), this.clients.admin.connect()]);
      this.producerConnected = true;
      this.relay.start();
      await this.consumers.startAll();
    } catch (err) {
      // A service that fails to start must not leave its relay and consumers running behind it.
      await this.beforeApplicationShutdown();
      throw err;
    }
    this.logger.log(
      `messaging started: ${this.consumers.count} consumer(s), brokers ${this.options.brokers.join(',')}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumers.stopAll();
    await this.relay.stop();
    if (this.producerConnected) {
      await this.relay.drain().catch((err) => this.logger.warn(`outbox left for the next start: ${err}`));
    }
    this.producerConnected = false;
    await Promise.allSettled([this.clients.producer.disconnect(), this.clients.admin.disconnect()]);
  }
}
