/* The AsyncAPI document of the Kafka topics (CONTRACT.md, Kafka). It is built from the registry and from the
 * class-validator metadata the consumers validate with, so it cannot drift from them; `npm run asyncapi` writes
 * it to libs/contracts/asyncapi.json. */
import {
  getMetadataStorage,
  IS_ISO31661_ALPHA_2,
  IS_OPTIONAL,
  IS_URL,
  MetadataStorage,
  ValidationTypes,
} from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { defaultConverters, ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import { transformationOf } from './class-transformer-probe';
import { EnvelopeDto } from './envelope';
import { ORDER_ID_MAX_LENGTH, READABLE_ORDER_ID_MAX_LENGTH } from './events/orders';
import { EVENT_REGISTRY, EventDefinition } from './registry';
import { TOPIC_WRITERS } from './topic-access';
import { ALL_TOPICS, DLQ_HEADERS, dlqTopicOf, EVENT_HEADERS, Topic } from './topics';
import { GUID_PATTERN } from './validators';

type JsonSchema = { [keyword: string]: unknown };
type ClassType = abstract new (...args: never[]) => object;

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type SchemaOptions = NonNullable<Parameters<typeof validationMetadatasToSchemas>[0]>;

/**
 * What class-validator-jsonschema asks of class-transformer's metadata: each property's @Type class (for the schema
 * of a nested object), found through plainToInstance; the contract classes expose and exclude nothing.
 */
const nestedTypes = {
  findTypeMetadata: (target: ClassType, propertyName: string) => {
    const nested = transformationOf(target, propertyName).nestedClass;
    return nested
      ? { target, propertyName, typeFunction: () => nested, reflectedType: undefined }
      : undefined;
  },
  getExposedMetadatas: () => [],
  findExcludeMetadata: () => undefined,
} as unknown as SchemaOptions['classTransformerMetadataStorage'];

const SCHEMA_REF_PREFIX = '#/components/schemas/';
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

/* class-validator-jsonschema keys a decorator made with ValidateBy/registerDecorator by its constraint's name:
 * `isGuid` and `isDateTime` are the names validators.ts registers. The two built-ins are overridden because the
 * library's defaults are too loose (a bare string) or not JSON Schema (`format: url`). */
const CONTRACT_CONVERTERS: ISchemaConverters = {
  isGuid: { type: 'string', pattern: GUID_PATTERN.source },
  isDateTime: { type: 'string', format: 'date-time' },
  isDecisionOrderId: {
    type: 'string',
    minLength: 1,
    maxLength: READABLE_ORDER_ID_MAX_LENGTH,
    description: `1 to ${ORDER_ID_MAX_LENGTH} characters; up to ${READABLE_ORDER_ID_MAX_LENGTH} in an InvalidOrder decision (G-14), which answers a request whose orderId was too long.`,
  },
  [IS_ISO31661_ALPHA_2]: { type: 'string', pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' },
  [IS_URL]: { type: 'string', format: 'uri' },
};
const CONVERTIBLE_TYPES = new Set([...Object.keys(defaultConverters), ...Object.keys(CONTRACT_CONVERTERS)]);

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

/**
 * JSON Schemas of the envelope and of every data class of the registry, with the classes they nest or extend,
 * keyed by class name. Only those classes' metadata is read, so classes of an app that share a name (an HTTP
 * DTO, say) cannot leak in.
 */
function buildSchemas(): Record<string, JsonSchema> {
  const classes = contractClasses();
  const names = new Set<string>();
  for (const cls of classes) {
    if (names.has(cls.name)) throw new Error(`two contract classes are named ${cls.name}`);
    names.add(cls.name);
  }

  const global = getMetadataStorage();
  const storage = new MetadataStorage();
  const constraintClasses = new Set<ValidationMetadata['constraintCls']>();
  for (const cls of classes) {
    for (const meta of ownMetadatas(cls)) {
      storage.addValidationMetadata(meta);
      if (meta.constraintCls) constraintClasses.add(meta.constraintCls);
    }
  }
  for (const constraintCls of constraintClasses) {
    for (const constraint of global.getTargetValidatorConstraints(constraintCls))
      storage.addConstraintMetadata(constraint);
  }

  for (const cls of classes) {
    for (const meta of ownMetadatas(cls)) {
      const type = constraintNameOf(meta);
      if (!CONVERTIBLE_TYPES.has(type)) {
        throw new Error(`no JSON Schema converter for ${type} on ${cls.name}.${meta.propertyName}`);
      }
    }
  }

  const schemas = validationMetadatasToSchemas({
    classValidatorMetadataStorage: storage,
    classTransformerMetadataStorage: nestedTypes,
    refPointerPrefix: SCHEMA_REF_PREFIX,
    additionalConverters: CONTRACT_CONVERTERS,
  }) as Record<string, JsonSchema>;
  for (const cls of classes) {
    const schema = schemas[cls.name];
    if (!schema) continue;
    dropRefSiblings(schema);
    allowSkippedValues(schema, cls);
  }
  return schemas;
}

/* Every class whose metadata the schemas need: the envelope, the registry's data classes, their ancestors
 * (inherited constraints) and the classes they nest through @ValidateNested and @Type. */
function contractClasses(): ClassType[] {
  const found = new Set<ClassType>();
  const visit = (cls: ClassType): void => {
    if (found.has(cls)) return;
    found.add(cls);
    const parent: unknown = Object.getPrototypeOf(cls);
    if (typeof parent === 'function' && parent !== Function.prototype) visit(parent as ClassType);
    for (const meta of ownMetadatas(cls)) {
      if (meta.type !== ValidationTypes.NESTED_VALIDATION) continue;
      const nested: unknown = transformationOf(cls, meta.propertyName).nestedClass;
      if (typeof nested !== 'function') {
        throw new Error(`${cls.name}.${meta.propertyName} is nested without a @Type naming its class`);
      }
      visit(nested as ClassType);
    }
  };
  visit(EnvelopeDto);
  for (const definition of EVENT_REGISTRY) visit(definition.dataClass);
  return [...found];
}

function ownMetadatas(cls: ClassType): ValidationMetadata[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .filter((meta) => meta.target === cls);
}

function constraintNameOf(meta: ValidationMetadata): string {
  if (!meta.constraintCls) return meta.type;
  return getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0]?.name ?? meta.type;
}

/* class-validator skips every constraint of a property when @IsOptional finds it null or absent, and when a
 * @ValidateIf condition is false; the schema says so, so that whatever the validator accepts the schema does. */
function allowSkippedValues(schema: JsonSchema, cls: ClassType): void {
  const properties = propertiesOf(schema);
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  for (const name of Object.keys(properties)) {
    const conditions = metas.filter(
      (m) => m.propertyName === name && m.type === ValidationTypes.CONDITIONAL_VALIDATION,
    );
    if (conditions.length === 0) continue;
    const conditional = conditions.some((m) => m.name !== IS_OPTIONAL);
    properties[name] = {
      anyOf: [properties[name], { type: 'null' }],
      ...(conditional && {
        description:
          'Checked only when a condition on the other fields holds (see CONTRACT.md); may be null.',
      }),
    };
  }
}

/* A nested class comes out as `{ $ref, type: 'object' }` (@ValidateNested plus @IsObject); beside a $ref the
 * other keywords are ignored (JSON Schema draft 7, which AsyncAPI schemas follow), so they are dropped. */
function dropRefSiblings(schema: JsonSchema): void {
  const properties = propertiesOf(schema);
  for (const [name, property] of Object.entries(properties)) {
    if (typeof property.$ref === 'string') properties[name] = { $ref: property.$ref };
  }
}

function propertiesOf(schema: JsonSchema | undefined): Record<string, JsonSchema> {
  return (schema?.properties ?? {}) as Record<string, JsonSchema>;
}

function reachableSchemaNames(schemas: Record<string, JsonSchema>, roots: readonly string[]): string[] {
  const reached = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (reached.has(name)) continue;
    if (!schemas[name]) throw new Error(`no schema generated for ${name}`);
    reached.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  return [...reached];
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_REF_PREFIX)
      ? [child.slice(SCHEMA_REF_PREFIX.length)]
      : refsIn(child),
  );
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
