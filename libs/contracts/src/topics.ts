/** Every Kafka topic of docs/contract.md. Producers and consumers name topics through these constants only. */
export const Topics = {
  OrdersRequested: 'commerce.orders.requested',
  OrdersDecided: 'commerce.orders.decided',
  AgreementsAcceptance: 'agreements.acceptance',
  AgreementsTemplates: 'agreements.templates',
  PartnersRelationships: 'partners.relationships',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly Topic[] = Object.values(Topics);

export const DLQ_SUFFIX = '.dlq';

export type DlqTopic = `${Topic}${typeof DLQ_SUFFIX}`;

/** The dead-letter topic where a consumer of `topic` parks a message it could not accept. */
export function dlqTopicOf<T extends string>(topic: T): `${T}.dlq` {
  return `${topic}${DLQ_SUFFIX}`;
}

export const DLQ_TOPICS: readonly DlqTopic[] = ALL_TOPICS.map((topic) => dlqTopicOf(topic));

/** Headers of a dead-lettered message; its key and value are the original ones, unchanged. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
} as const;

/** Headers of every event message; they repeat envelope fields so brokers' tools can filter without parsing. */
export const EVENT_HEADERS = {
  type: 'event-type',
  version: 'event-version',
  id: 'event-id',
  correlationId: 'correlation-id',
} as const;
