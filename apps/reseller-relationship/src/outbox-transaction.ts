import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { buildEnvelope, EVENT_TOPIC, EventDataByType, EventType } from '@app/contracts';
import { Messaging, OutboxMessage } from '@app/messaging';
import { RelationshipErrors } from './relationship-errors';

export const PRODUCER = 'reseller-relationship';

/** What a use case decided: its answer, and the events to publish (none when nothing changed). */
export interface Outcome<T> {
  result: T;
  events: OutboxMessage[];
}

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
 * Runs a use case's state change and writes its events to the outbox in one transaction, then waits
 * until they are on their topics, so a 2xx means the fact is visible to every consumer (G-11). When
 * publication is not confirmed in time the caller gets a retryable 503; the rows stay and the relay
 * publishes them later. An error thrown by `work` rolls everything back: nothing changes.
 */
@Injectable()
export class OutboxTransaction {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
  ) {}

  async run<T>(work: (manager: EntityManager) => Promise<Outcome<T>>): Promise<T> {
    const { result, eventIds } = await this.dataSource.transaction(async (manager) => {
      const outcome = await work(manager);
      return { result: outcome.result, eventIds: await this.messaging.enqueue(manager, outcome.events) };
    });
    if (!(await this.messaging.flush(eventIds))) throw RelationshipErrors.publicationPending();
    return result;
  }
}
