import type { KafkaSecurity } from '@app/platform';

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
  /** The consumers' session timeout (KAFKA_SESSION_TIMEOUT_MS); heartbeats every tenth of it. Default 30 s. */
  sessionTimeoutMs?: number;
  maxAttempts?: number;
}

/**
 * The service's own database schema (`@Inject(SERVICE_SCHEMA) schema: string`): every statement of the
 * service names its tables through it (`table(schema, 'requests')`), never through a literal.
 */
export const SERVICE_SCHEMA = Symbol('SERVICE_SCHEMA');
