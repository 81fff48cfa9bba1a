/* The AsyncAPI document of the Kafka topics (CONTRACT.md, Kafka). It is built from the registry and from the
 * class-validator metadata the consumers validate with, so it cannot drift from them; `npm run asyncapi` writes
 * it to libs/contracts/asyncapi.json. */
import {
  buildSchemas,
  JsonSchema,
  propertiesOf,
  reachableSchemaNames,
  SCHEMA_REF_PREFIX,
} from './asyncapi-schemas';
import { EnvelopeDto } from './envelope';
import { EVENT_REGISTRY, EventDefinition } from './registry';
import { TOPIC_WRITERS } from './topic-access';
import { ALL_TOPICS, DLQ_HEADERS, dlqTopicOf, EVENT_HEADERS, Topic } from './topics';
import { GUID_PATTERN } from './validators';

const KAFKA_BINDING_VERSION = '0.4.0';

/** A `.dlq` topic is written by any consumer of its source (the source topics' writers: TOPIC_WRITERS). */
const DLQ_PRODUCERS: readonly string[] = ['any-consumer'];

/** The envelope field each event header repeats (outbox.ts writes them). */
const EVENT_HEADER_FIELDS: Readonly<Record<keyof typeof EVENT_HEADERS, keyof EnvelopeDto>> = {
  type: 'eventType',
  version: 'eventVersion',
  id: 'eventId',
  correlationId: 'correlationId',
};

const KEY_FIELD = 'customerTenantId';
const DEAD_LETTER_MESSAGE_ID = 'DeadLetter';

/** The AsyncAPI 3.0.0 document of every topic, its dead-letter topic and every event of the registry. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const schemas = buildSchemas();
  const envelope = schemas[EnvelopeDto.name];
  const definitions = [...EVENT_REGISTRY].sort((a, b) => compare(messageIdOf(a), messageIdOf(b)));

  const messages: Record<string, JsonSchema> = {};
  for (const definition of definitions) {
    messages[messageIdOf(definition)] = eventMessage(
      definition,
      envelope,
      schemas[definition.dataClass.name],
    );
  }
  messages[DEAD_LETTER_MESSAGE_ID] = deadLetterMessage();

  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  for (const topic of ALL_TOPICS) {
    const ids = definitions.filter((d) => d.topic === topic).map(messageIdOf);
    addChannel(channels, operations, topic, TOPIC_WRITERS[topic], ids, describeTopic(topic));
    const dlq = dlqTopicOf(topic);
    addChannel(channels, operations, dlq, DLQ_PRODUCERS, [DEAD_LETTER_MESSAGE_ID], describeDlq(topic));
  }

  const dataSchemaNames = definitions.map((d) => d.dataClass.name);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Acceptance gate events',
      version: '1.0.0',
      description:
        'The Kafka topics of the acceptance gate (CONTRACT.md, Kafka). Every value is a JSON envelope (UTF-8) ' +
        'around the data of one event; the key is the customerTenantId (a lower-case GUID), so every fact ' +
        'about one customer keeps its order within a topic; the headers repeat envelope fields. Generated ' +
        'from libs/contracts by `npm run asyncapi`: do not edit by hand.',
    },
    defaultContentType: 'application/json',
    channels: sortKeys(channels),
    operations: sortKeys(operations),
    components: {
      schemas: sortKeys(pick(schemas, reachableSchemaNames(schemas, dataSchemaNames))),
      messages: sortKeys(messages),
    },
  };
}

function messageIdOf(definition: EventDefinition): string {
  return `${definition.eventType}.v${definition.eventVersion}`;
}

function channelIdOf(topic: string): string {
  return topic.replace(/[^A-Za-z0-9_-]/g, '-');
}

function addChannel(
  channels: Record<string, JsonSchema>,
  operations: Record<string, JsonSchema>,
  topic: string,
  producers: readonly string[],
  messageIds: readonly string[],
  description: string,
): void {
  const channelId = channelIdOf(topic);
  channels[channelId] = {
    address: topic,
    description,
    messages: Object.fromEntries(messageIds.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
  };
  const verb = producers.length === 1 ? 'sends' : 'send';
  operations[`${producers.join('-and-')}-${verb}-${channelId}`] = {
    action: 'send',
    channel: { $ref: `#/channels/${channelId}` },
    title: `${producers.join(', ')} ${verb} to ${topic}`,
    messages: messageIds.map((id) => ({ $ref: `#/channels/${channelId}/messages/${id}` })),
  };
}

function describeTopic(topic: Topic): string {
  return `Written by ${TOPIC_WRITERS[topic].join(', ')}. Partitioned by the customerTenantId.`;
}

function describeDlq(topic: Topic): string {
  return (
    `The messages of ${topic} that a consumer could not accept: key and value unchanged, the original ` +
    `headers plus ${Object.values(DLQ_HEADERS).join(', ')}.`
  );
}

function eventMessage(definition: EventDefinition, envelope: JsonSchema, data: JsonSchema): JsonSchema {
  const dataSchemaName = definition.dataClass.name;
  const envelopeProperties = propertiesOf(envelope);
  const payload: JsonSchema = {
    ...envelope,
    properties: {
      ...envelopeProperties,
      eventType: { ...envelopeProperties.eventType, const: definition.eventType },
      eventVersion: { ...envelopeProperties.eventVersion, const: definition.eventVersion },
      data: { $ref: `${SCHEMA_REF_PREFIX}${dataSchemaName}` },
    },
  };
  const headerProperties: Record<string, JsonSchema> = {};
  for (const [header, name] of Object.entries(EVENT_HEADERS)) {
    const field = EVENT_HEADER_FIELDS[header as keyof typeof EVENT_HEADERS];
    headerProperties[name] =
      field === 'eventVersion'
        ? { type: 'string', const: String(definition.eventVersion), description: 'eventVersion, in decimal' }
        : { ...propertiesOf(payload)[field], description: `Repeats ${field}.` };
  }
  const dataHasKey = KEY_FIELD in propertiesOf(data);
  return {
    name: definition.eventType,
    title: `${definition.eventType} v${definition.eventVersion}`,
    summary: `${definition.eventType}, version ${definition.eventVersion}, on ${definition.topic}.`,
    headers: { type: 'object', required: Object.values(EVENT_HEADERS), properties: headerProperties },
    payload,
    bindings: {
      kafka: {
        key: {
          type: 'string',
          pattern: GUID_PATTERN.source,
          description: dataHasKey
            ? `The ${KEY_FIELD} of data, lower-case.`
            : `The contract keys messages by the ${KEY_FIELD} (a lower-case GUID), which ${definition.eventType} does not carry.`,
        },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function deadLetterMessage(): JsonSchema {
  const originalHeaders: Record<string, JsonSchema> = {};
  for (const [header, name] of Object.entries(EVENT_HEADERS)) {
    const field = EVENT_HEADER_FIELDS[header as keyof typeof EVENT_HEADERS];
    originalHeaders[name] = {
      type: 'string',
      description: `Copied from the original message (its ${field}).`,
    };
  }
  return {
    name: DEAD_LETTER_MESSAGE_ID,
    title: 'Dead letter',
    summary: 'A message a consumer could not accept, parked unchanged with the reason.',
    description:
      'The key and the value are the original ones, byte for byte: the value is usually an envelope of the ' +
      'source topic, but may not be valid JSON at all. The headers are the original ones plus the dlq-* ' +
      'headers.',
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      required: Object.values(DLQ_HEADERS),
      properties: {
        [DLQ_HEADERS.reason]: {
          type: 'string',
          description: 'Why the message was refused: the failing fields and constraints, never values.',
        },
        [DLQ_HEADERS.sourceTopic]: {
          type: 'string',
          enum: [...ALL_TOPICS],
          description: 'The topic read from.',
        },
        [DLQ_HEADERS.sourcePartition]: {
          type: 'string',
          pattern: '^[0-9]+$',
          description: 'The partition read from, in decimal.',
        },
        [DLQ_HEADERS.sourceOffset]: {
          type: 'string',
          pattern: '^[0-9]+$',
          description: 'The offset of the message in that partition, in decimal.',
        },
        ...originalHeaders,
      },
    },
    payload: { description: 'The original value, unchanged.' },
    bindings: {
      kafka: {
        key: { description: 'The original key, unchanged.' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function pick<T>(record: Record<string, T>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(keys.map((key) => [key, record[key]]));
}

/* Code-unit order, not localeCompare: the committed document must not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}
