import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { buildEnvelope, EVENT_TOPIC, EventDataByType, EventType } from '@app/contracts';
import { Outcome, OutboxMessage, TransactionalOutbox } from '@app/messaging';
import { RelationshipErrors } from './relationship-errors';

export const PRODUCER = 'reseller-relationship';

/**
 * An event of this service, on its contract topic. `key` is the customer tenant id (lower-case GUID);
 * a partner-level fact with no customer is keyed by its partner id (see each call).
 */
export function outboxEvent<K extends EventType>(
  eventType: K,
  data: EventDataByType[K],
  key: string,
  correlationId: string,
): OutboxMessage {
  return {
    topic: EVENT_TOPIC[eventType],
    key,
    envelope: buildEnvelope(eventType, data, { producer: PRODUCER, correlationId }),
  };
}

/**
 * The service's use of the transactional outbox: a use case's state change and its events commit
 * together, and a 2xx waits until the events are on their topics, so the fact is visible to every
 * consumer (G-11). When publication is not confirmed in time the caller gets this service's
 * retryable 503; the rows stay and the relay publishes them later.
 */
@Injectable()
export class OutboxTransaction {
  constructor(private readonly outbox: TransactionalOutbox) {}

  run<T>(work: (manager: EntityManager) => Promise<Outcome<T>>): Promise<T> {
    return this.outbox.run(work, RelationshipErrors.publicationPending);
  }
}
