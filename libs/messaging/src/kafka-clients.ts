import { Admin, Kafka, Producer } from 'kafkajs';
import { NotingPartitioner } from './key-partition';
import { createKafka } from './kafka';
import { MessagingOptions } from './messaging-options';

/**
 * The service's one Kafka client and the producer and admin made from it. Connected when the
 * application boots and disconnected at its end, by MessagingLifecycle.
 */
export class KafkaClients {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly admin: Admin;

  constructor(options: MessagingOptions) {
    this.kafka = createKafka(options.brokers, options.service, options.security);
    // One request in flight keeps each partition in order across retries; a retry that duplicates
    // a message is harmless because every consumer dedupes by eventId. (kafkajs's idempotent mode
    // needs unlimited retries, which would let a dead broker hang the relay and shutdown.)
    // Every send of it (OutboxRelay, DeadLetters) names acks: -1: acknowledged only once every in-sync
    // replica has the message (on the 3-broker cluster, at least min.insync.replicas=2 of them).
    this.producer = this.kafka.producer({
      maxInFlightRequests: 1,
      // The default partitioner, noting partition counts for the relay's check of what was acknowledged.
      createPartitioner: NotingPartitioner,
    });
    this.admin = this.kafka.admin();
  }
}
