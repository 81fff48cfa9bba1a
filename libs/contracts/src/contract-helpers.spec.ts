// Parsing, envelope building, topic names and shared validators: the helpers around validateEvent.
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  ALL_TOPICS,
  buildEnvelope,
  DLQ_TOPICS,
  dlqTopicOf,
  EventEnvelope,
  isGuid,
  isDateTime,
  parseAndValidate,
  Topics,
  validateEvent,
} from '@app/contracts';

type Json = Record<string, any>;
const fixture = (eventType: string): Json =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${eventType}.v1.json`), 'utf8'));

const reasonOf = (result: ReturnType<typeof validateEvent>): string => {
  if (result.ok) throw new Error('expected the event to be refused');
  return result.reason;
};

describe('parseAndValidate', () => {
  it('calls an empty value an empty message', () => {
    for (const value of [null, undefined, '', '  \n', Buffer.alloc(0)]) {
      expect(reasonOf(parseAndValidate(value))).toBe('empty message');
    }
  });

  it('says what is wrong with malformed JSON', () => {
    expect(reasonOf(parseAndValidate('{"eventId":'))).toBe('not valid JSON: Unexpected end of JSON input');
    expect(reasonOf(parseAndValidate(Buffer.from('{eventId: 1}')))).toMatch(/^not valid JSON: .*position 1/);
  });

  it('returns the parsed JSON as sent', () => {
    const text = JSON.stringify(fixture('IndirectResellerLinked'));

    expect(parseAndValidate(Buffer.from(text), { topic: Topics.PartnersRelationships })).toEqual({
      ok: true,
      envelope: JSON.parse(text),
    });
  });
});

describe('buildEnvelope', () => {
  const data = fixture('CustomerTenantCreated').data;

  it('builds an envelope that validates, with a new event id and a chain of its own by default', () => {
    const envelope = buildEnvelope('CustomerTenantCreated', data, { producer: 'reseller-relationship' });

    expect(validateEvent(envelope, { topic: Topics.PartnersRelationships })).toEqual({ ok: true, envelope });
    expect(envelope).toEqual<EventEnvelope<typeof data>>({
      eventId: expect.any(String),
      eventType: 'CustomerTenantCreated',
      eventVersion: 1,
      occurredAt: expect.any(String),
      producer: 'reseller-relationship',
      correlationId: envelope.eventId,
      causationId: null,
      data,
    });
    expect(isGuid(envelope.eventId)).toBe(true);
    expect(isDateTime(envelope.occurredAt)).toBe(true);
  });

  it('takes the correlation, causation, version and time it is given', () => {
    const occurredAt = new Date('2026-11-21T10:00:00.000Z');
    const envelope = buildEnvelope('CustomerTenantCreated', data, {
      producer: 'reseller-relationship',
      correlationId: 'caller-correlation',
      causationId: '596f9f22-af14-4554-a13b-ff2ccd676d2d',
      eventVersion: 1,
      occurredAt,
    });

    expect(envelope).toMatchObject({
      correlationId: 'caller-correlation',
      causationId: '596f9f22-af14-4554-a13b-ff2ccd676d2d',
      eventVersion: 1,
      occurredAt: '2026-11-21T10:00:00.000Z',
    });
    expect(validateEvent(envelope).ok).toBe(true);
  });

  it('gives every envelope its own id', () => {
    const a = buildEnvelope('CustomerTenantCreated', data, { producer: 'p' });
    const b = buildEnvelope('CustomerTenantCreated', data, { producer: 'p' });

    expect(a.eventId).not.toBe(b.eventId);
  });
});

describe('topics', () => {
  it('names the dead-letter topic of a topic', () => {
    expect(dlqTopicOf('agreements.acceptance')).toBe('agreements.acceptance.dlq');
    expect(DLQ_TOPICS).toEqual(ALL_TOPICS.map((t) => `${t}.dlq`));
  });
});

describe('validators', () => {
  it.each([
    ['117a77b0-9360-443b-8795-c6dedc750cf9', true],
    ['00000000-0000-0000-0000-000000000000', true],
    ['12345678-1234-1234-1234-123456789abc', true],
    ['117A77B0-9360-443B-8795-C6DEDC750CF9', false],
    ['{117a77b0-9360-443b-8795-c6dedc750cf9}', false],
    ['117a77b09360443b8795c6dedc750cf9', false],
  ])('isGuid(%s) is %s', (value, expected) => {
    expect(isGuid(value)).toBe(expected);
  });

  it.each([
    ['2026-11-21T10:00:00.000Z', true],
    ['2026-11-21T10:00:00Z', true],
    ['2026-11-21T11:00:00.000+01:00', true],
    ['2026-11-21T10:00Z', true],
    ['2026-11-21', false],
    ['2026-11-21T10:00:00.000', false],
    ['2026-02-30T10:00:00.000Z', false],
    ['2026-11-21 10:00:00Z', false],
    ['yesterday', false],
  ])('isDateTime(%s) is %s', (value, expected) => {
    expect(isDateTime(value)).toBe(expected);
  });
});
