// Checking a raw message against the event-type table (event-types.ts): envelope, data, topic and
// writer; plus the error wording consumers log and send to the DLQ.
import { plainToInstance } from 'class-transformer';
import { ValidationError, ValidatorOptions, validateSync } from 'class-validator';
import { EnvelopeDto } from './envelope';
import { isWriterOf, TOPIC_WRITERS } from './topic-access';
import { DLQ_SUFFIX, Topic } from './topics';
import { compileValidityCheck, ValidityCheck } from './validity-check';
import { EventDefinition, findEventDefinition, KnownEventEnvelope, EVENT_REGISTRY } from './event-types';

export interface ValidateEventOptions {
  /**
   * The topic the message was read from (or is about to be written to); a `.dlq` topic stands for its source.
   * With a topic, the envelope's `producer` must also be one of the topic's writers (S-04).
   */
  topic?: string;
}

export type EventValidationResult =
  { ok: true; envelope: KnownEventEnvelope } | { ok: false; reason: string };

/* Consumers ignore fields they do not know (forward compatibility), so nothing is whitelisted. Errors keep the
 * value only to tell a missing field from a wrong one: values never reach a reason, as they may hold personal
 * data. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: false,
  forbidUnknownValues: false,
  validationError: { target: false, value: true },
};

/**
 * Checks a parsed message against the contract: the envelope, then that its type and version are known, that
 * it travels on its topic, then its data. The reason names the failing fields and constraints, never values.
 * On success the envelope returned is `raw` itself, the JSON as sent.
 */
export function validateEvent(raw: unknown, opts: ValidateEventOptions = {}): EventValidationResult {
  try {
    return checkEvent(raw, opts);
  } catch (error) {
    // A validator that throws on hostile input (validator.js's isEmail on a lone surrogate does)
    // must still end in a refusal: a consumer that threw here would retry the same message forever.
    return refuse(`the message could not be validated (${error instanceof Error ? error.name : 'error'})`);
  }
}

function checkEvent(raw: unknown, opts: ValidateEventOptions): EventValidationResult {
  if (!isJsonObject(raw)) return refuse('the message is not a JSON object');
  if (passesAtOnce(raw, opts)) return { ok: true, envelope: raw as unknown as KnownEventEnvelope };

  const envelope = toEnvelopeDto(raw);
  const envelopeErrors = validateSync(envelope, VALIDATOR_OPTIONS);
  if (envelopeErrors.length > 0) return refuse(formatValidationErrors(envelopeErrors));

  const definition = findEventDefinition(envelope.eventType, envelope.eventVersion);
  if (!definition) return refuse(describeUnknownEvent(envelope.eventType, envelope.eventVersion));

  if (!travelsOn(definition, opts.topic)) {
    return refuse(`${definition.eventType} belongs on topic ${definition.topic}, not on ${opts.topic}`);
  }
  if (!writtenByItsWriter(definition, envelope.producer, opts.topic)) {
    return refuse(describeForeignProducer(envelope.producer, definition.topic));
  }

  const dataErrors = validateSync(plainToInstance(definition.dataClass, envelope.data), VALIDATOR_OPTIONS);
  if (dataErrors.length > 0) return refuse(formatValidationErrors(dataErrors, 'data'));

  return { ok: true, envelope: raw as unknown as KnownEventEnvelope };
}

function travelsOn(definition: EventDefinition, topic: string | undefined): boolean {
  if (topic === undefined) return true;
  const sourceTopic = topic.endsWith(DLQ_SUFFIX) ? topic.slice(0, -DLQ_SUFFIX.length) : topic;
  return sourceTopic === definition.topic;
}

/* Consumers trust a fact for the topic it arrived on; only the topic's writers may put it there (S-04). */
function writtenByItsWriter(
  definition: EventDefinition,
  producer: unknown,
  topic: string | undefined,
): boolean {
  return topic === undefined || isWriterOf(definition.topic, producer);
}

function describeForeignProducer(producer: string, topic: Topic): string {
  const named = TYPE_NAME.test(producer) ? `producer ${producer}` : 'the producer';
  return `${named} is not a writer of ${topic} (writers: ${TOPIC_WRITERS[topic].join(', ')})`;
}

const ENVELOPE_CHECK = compileValidityCheck(EnvelopeDto);
const DATA_CHECKS = new Map<EventDefinition, ValidityCheck | null>(
  EVENT_REGISTRY.map((d) => [d, compileValidityCheck(d.dataClass)]),
);

/* The common case at a tenth of the cost: the compiled twin of the class-validator checks below (see
 * validity-check.ts) says when an event passes them all. Anything else, a throwing validator included, takes the
 * class-validator path, which decides and words the reason exactly as it always did. */
function passesAtOnce(raw: Record<string, unknown>, opts: ValidateEventOptions): boolean {
  try {
    if (!ENVELOPE_CHECK?.(raw)) return false;
    const definition = findEventDefinition(raw.eventType as string, raw.eventVersion as number);
    if (!definition || !travelsOn(definition, opts.topic)) return false;
    if (!writtenByItsWriter(definition, raw.producer, opts.topic)) return false;
    return DATA_CHECKS.get(definition)?.(raw.data as object) ?? false;
  } catch {
    return false;
  }
}

/** JSON.parse, then {@link validateEvent}: the one call a Kafka consumer makes on a message value. */
export function parseAndValidate(
  value: Buffer | string | null | undefined,
  opts?: ValidateEventOptions,
): EventValidationResult {
  if (value === null || value === undefined) return refuse('empty message');
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.trim() === '') return refuse('empty message');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return refuse(`not valid JSON: ${describeJsonError(error)}`);
  }
  return validateEvent(raw, opts);
}

/**
 * One line per failed constraint, `path constraint`, joined by `; `: e.g.
 * `data.lineItems[0].quantity must not be less than 0`, or `data.customerTenantId is required` when the field is
 * absent. class-validator's messages name the property and the constraint, not the value.
 */
export function formatValidationErrors(errors: readonly ValidationError[], pathPrefix = ''): string {
  const lines: string[] = [];
  collectErrorLines(errors, pathPrefix, lines);
  return [...new Set(lines)].join('; ');
}

function collectErrorLines(errors: readonly ValidationError[], parentPath: string, lines: string[]): void {
  for (const error of errors) {
    const path = joinPath(parentPath, error.property);
    if (error.value === undefined && error.constraints) {
      lines.push(`${path} is required`);
    } else {
      for (const message of constraintMessages(error))
        lines.push(rephraseWithPath(message, error.property, path));
    }
    if (error.children && error.children.length > 0) collectErrorLines(error.children, path, lines);
  }
}

/* "must be an array" says more than class-validator's "nested property … must be either object or array". */
function constraintMessages(error: ValidationError): string[] {
  const constraints = { ...error.constraints };
  if (Object.keys(constraints).length > 1) delete constraints.nestedValidation;
  return Object.values(constraints);
}

function joinPath(parentPath: string, property: string): string {
  if (!parentPath) return property;
  return /^\d+$/.test(property) ? `${parentPath}[${property}]` : `${parentPath}.${property}`;
}

function rephraseWithPath(message: string, property: string, path: string): string {
  if (message.startsWith(`${property} `)) return `${path}${message.slice(property.length)}`;
  if (/^(each value in )?nested property /.test(message)) return `${path} must be an object`;
  return `${path}: ${message}`;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/* Copies only the envelope's own fields, so a `__proto__` key in the JSON cannot swap the prototype that
 * carries the validation metadata. */
function toEnvelopeDto(raw: Record<string, unknown>): EnvelopeDto {
  const dto = new EnvelopeDto();
  const target = dto as unknown as Record<string, unknown>;
  for (const field of ENVELOPE_FIELDS) target[field] = raw[field];
  return dto;
}

const ENVELOPE_FIELDS: readonly (keyof EnvelopeDto)[] = [
  'eventId',
  'eventType',
  'eventVersion',
  'occurredAt',
  'producer',
  'correlationId',
  'causationId',
  'data',
];

/* An event type is echoed only when it looks like a type name, which a stray e-mail address or other personal
 * value cannot. */
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

function describeUnknownEvent(eventType: string, eventVersion: number): string {
  if (!TYPE_NAME.test(eventType)) return 'eventType is not a known event type';
  const knownVersions = EVENT_REGISTRY.filter((d) => d.eventType === eventType).map((d) => d.eventVersion);
  if (knownVersions.length === 0) return `unknown event type ${eventType}`;
  return `unknown version ${eventVersion} of ${eventType} (known: ${knownVersions.join(', ')})`;
}

/* V8 quotes the start of the input in some JSON.parse messages; the input may hold personal data. */
function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/^Unexpected token .*? is not valid JSON$/s, 'unexpected token')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .slice(0, 200);
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
