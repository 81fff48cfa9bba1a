import { readFileSync } from 'fs';
import { join } from 'path';
import {
  ALL_TOPICS,
  APPROVED_REASONS,
  BLOCKED_REASONS,
  buildAsyncApiDocument,
  DLQ_HEADERS,
  DLQ_TOPICS,
  EVENT_HEADERS,
  EVENT_REGISTRY,
  GUID_PATTERN,
  Topics,
} from '@app/contracts';

type Json = { [key: string]: any };

const COMMITTED = join(__dirname, '..', 'asyncapi.json');
const REGENERATE =
  'libs/contracts/asyncapi.json is not what buildAsyncApiDocument() builds: run `npm run asyncapi`';

const doc = buildAsyncApiDocument() as Json;

/** Follows a local `$ref` (`#/a/b`), and any `$ref` it lands on. */
function deref(node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  const path = (node.$ref as string).replace(/^#\//, '').split('/');
  const target = path.reduce<Json | undefined>(
    (at, segment) => at?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')],
    doc,
  );
  if (target === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
  return deref(target);
}

function channelAt(address: string): Json {
  const channels = Object.values(doc.channels as Record<string, Json>).filter((c) => c.address === address);
  expect(channels).toHaveLength(1);
  return channels[0];
}

const messagesOf = (channel: Json): Json[] =>
  Object.values(channel.messages as Record<string, Json>).map(deref);

function eventMessage(eventType: string, eventVersion = 1): Json {
  const definition = EVENT_REGISTRY.find((d) => d.eventType === eventType && d.eventVersion === eventVersion);
  if (!definition) throw new Error(`${eventType} v${eventVersion} is not in the registry`);
  const found = messagesOf(channelAt(definition.topic)).filter(
    (m) => m.name === eventType && m.payload.properties.eventVersion.const === eventVersion,
  );
  expect(found).toHaveLength(1);
  return found[0];
}

const dataSchemaOf = (eventType: string): Json => deref(eventMessage(eventType).payload.properties.data);

/** The schema of a property, through the `anyOf: [schema, null]` of an optional one. */
function propertyOf(schema: Json, name: string): Json {
  const property = schema.properties[name] as Json;
  if (!property) throw new Error(`no property ${name}`);
  const nonNull = property.anyOf ? property.anyOf.find((s: Json) => s.type !== 'null') : property;
  return deref(nonNull);
}

describe('the committed AsyncAPI document', () => {
  it('is what buildAsyncApiDocument() builds', () => {
    let committed: unknown;
    try {
      committed = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    } catch (error) {
      throw new Error(`${REGENERATE} (${String(error)})`, { cause: error });
    }
    try {
      expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
    } catch (error) {
      if (error instanceof Error) error.message = `${REGENERATE}\n\n${error.message}`;
      throw error;
    }
  });

  it('is built the same way every time, key order included', () => {
    expect(JSON.stringify(buildAsyncApiDocument())).toBe(JSON.stringify(doc));
  });
});

describe('buildAsyncApiDocument', () => {
  it('is an AsyncAPI 3.0.0 document of JSON messages', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info).toMatchObject({ title: 'Acceptance gate events', version: '1.0.0' });
    expect(doc.defaultContentType).toBe('application/json');
  });

  it('has one channel per topic and per dead-letter topic, and no other', () => {
    const addresses = Object.values(doc.channels as Record<string, Json>).map((c) => c.address);
    expect([...addresses].sort()).toEqual([...ALL_TOPICS, ...DLQ_TOPICS].sort());
  });

  it('has every event of the registry as a message on the channel of its topic, and nothing else there', () => {
    for (const definition of EVENT_REGISTRY) {
      const message = eventMessage(definition.eventType, definition.eventVersion);
      expect(message.payload.properties.eventType.const).toBe(definition.eventType);
      expect(message.headers.properties[EVENT_HEADERS.type].const).toBe(definition.eventType);
      expect(message.headers.properties[EVENT_HEADERS.version].const).toBe(String(definition.eventVersion));
    }
    for (const topic of ALL_TOPICS) {
      const onTopic = EVENT_REGISTRY.filter((d) => d.topic === topic).map((d) => d.eventType);
      expect(
        messagesOf(channelAt(topic))
          .map((m) => m.name)
          .sort(),
      ).toEqual([...onTopic].sort());
    }
  });

  it('wraps every event in the envelope, with the event-* headers and the customerTenantId as key', () => {
    for (const definition of EVENT_REGISTRY) {
      const message = eventMessage(definition.eventType, definition.eventVersion);
      expect(message.payload.required).toEqual(
        expect.arrayContaining([
          'eventId',
          'eventType',
          'eventVersion',
          'occurredAt',
          'producer',
          'correlationId',
          'data',
        ]),
      );
      expect(message.payload.required).not.toContain('causationId');
      expect(message.payload.properties.causationId.anyOf).toContainEqual({ type: 'null' });
      expect(message.payload.properties.eventId.pattern).toBe(GUID_PATTERN.source);
      expect(message.payload.properties.occurredAt).toEqual({ type: 'string', format: 'date-time' });
      expect([...message.headers.required].sort()).toEqual(Object.values(EVENT_HEADERS).sort());
      expect(message.bindings.kafka.key).toMatchObject({ type: 'string', pattern: GUID_PATTERN.source });
    }
  });

  it('describes a dead letter as the original message plus the dlq-* headers', () => {
    for (const dlq of DLQ_TOPICS) {
      const [message, ...others] = messagesOf(channelAt(dlq));
      expect(others).toEqual([]);
      expect([...message.headers.required].sort()).toEqual(Object.values(DLQ_HEADERS).sort());
      expect(Object.keys(message.headers.properties)).toEqual(
        expect.arrayContaining([...Object.values(DLQ_HEADERS), ...Object.values(EVENT_HEADERS)]),
      );
      expect(message.headers.properties[DLQ_HEADERS.sourceTopic].enum).toEqual([...ALL_TOPICS]);
    }
  });

  it('has one send operation per channel, named after its producers, on messages of that channel', () => {
    const operations = Object.entries(doc.operations as Record<string, Json>);
    expect(operations).toHaveLength(ALL_TOPICS.length + DLQ_TOPICS.length);
    const producersOf = new Map<string, string>();
    for (const [id, operation] of operations) {
      expect(operation.action).toBe('send');
      const channel = deref(operation.channel);
      producersOf.set(channel.address, id);
      const onChannel = messagesOf(channel);
      for (const ref of operation.messages) expect(onChannel).toContain(deref(ref));
      expect(operation.messages).toHaveLength(onChannel.length);
    }
    expect(producersOf.get(Topics.OrdersRequested)).toMatch(/^commerce-platform-/);
    expect(producersOf.get(Topics.OrdersDecided)).toMatch(/^order-gate-/);
    expect(producersOf.get(Topics.AgreementsAcceptance)).toMatch(/^attestation-and-reseller-relationship-/);
    expect(producersOf.get(Topics.AgreementsTemplates)).toMatch(/^attestation-/);
    expect(producersOf.get(Topics.PartnersRelationships)).toMatch(/^reseller-relationship-/);
    for (const dlq of DLQ_TOPICS) expect(producersOf.get(dlq)).toMatch(/^any-consumer-/);
  });

  it('resolves every $ref in the document', () => {
    const refs: Json[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        if (typeof (node as Json).$ref === 'string') refs.push(node as Json);
        Object.values(node).forEach(walk);
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(() => deref(ref)).not.toThrow();
  });
});

describe('the data schemas (docs/contract.md)', () => {
  it('OrderRequested requires its fields, but not the reseller nor, in general, the subscription', () => {
    const data = dataSchemaOf('OrderRequested');
    expect([...data.required].sort()).toEqual(
      ['orderId', 'partnerId', 'customerTenantId', 'kind', 'channel', 'requestedAt', 'lineItems'].sort(),
    );
    expect(propertyOf(data, 'kind').enum).toEqual([
      'NewPurchase',
      'SeatChange',
      'Upgrade',
      'TermChange',
      'ManualRenewal',
      'AutoRenewal',
      'Cancellation',
    ]);
    expect(propertyOf(data, 'channel').enum).toEqual(['Api', 'Dashboard']);
    expect(propertyOf(data, 'orderId')).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
    const lineItem = deref(propertyOf(data, 'lineItems').items);
    expect(lineItem.required).toEqual(expect.arrayContaining(['offerId', 'quantity']));
    expect(propertyOf(lineItem, 'quantity').type).toBe('integer');
  });

  it('AgreementAttested requires a primary contact with an e-mail address', () => {
    const data = dataSchemaOf('AgreementAttested');
    expect([...data.required].sort()).toEqual(
      [
        'attestationId',
        'partnerId',
        'customerTenantId',
        'agreementType',
        'templateId',
        'dateAgreed',
        'userId',
        'primaryContact',
        'channel',
      ].sort(),
    );
    const contact = propertyOf(data, 'primaryContact');
    expect([...contact.required].sort()).toEqual(['email', 'firstName', 'lastName']);
    expect(propertyOf(contact, 'email')).toMatchObject({ type: 'string', format: 'email' });
  });

  it('the decisions carry their own reasons and an evidence whose fields may be null', () => {
    expect(propertyOf(dataSchemaOf('OrderApproved'), 'reason').enum).toEqual([...APPROVED_REASONS]);
    expect(propertyOf(dataSchemaOf('OrderBlocked'), 'reason').enum).toEqual([...BLOCKED_REASONS]);
    const blocked = dataSchemaOf('OrderBlocked');
    expect(blocked.required).toEqual(
      expect.arrayContaining(['orderId', 'decidedAt', 'reason', 'message', 'evidence', 'policyVersion']),
    );
    const evidence = propertyOf(blocked, 'evidence');
    for (const field of [
      'acceptanceSource',
      'agreementType',
      'templateId',
      'dateAgreed',
      'acceptanceEventId',
    ]) {
      expect(evidence.properties[field].anyOf).toContainEqual({ type: 'null' });
    }
  });

  it.each([
    ['OrderRequested', 'partnerId'],
    ['OrderRequested', 'customerTenantId'],
    ['OrderRequested', 'resellerPartnerId'],
    ['OrderBlocked', 'customerTenantId'],
    ['AgreementAttested', 'templateId'],
    ['AgreementAttested', 'userId'],
    ['CustomerAgreementAccepted', 'viaPartnerId'],
    ['AgreementTemplatePublished', 'templateId'],
    ['IndirectResellerLinked', 'resellerPartnerId'],
  ])('%s.%s is a lower-case GUID', (eventType, field) => {
    expect(propertyOf(dataSchemaOf(eventType), field)).toEqual({
      type: 'string',
      pattern: GUID_PATTERN.source,
    });
  });

  it.each([
    ['OrderRequested', 'requestedAt'],
    ['OrderApproved', 'decidedAt'],
    ['AgreementAttestationWithdrawn', 'withdrawnAt'],
    ['ResellerRelationshipRequested', 'expiresAt'],
  ])('%s.%s is a date-time', (eventType, field) => {
    expect(propertyOf(dataSchemaOf(eventType), field)).toEqual({ type: 'string', format: 'date-time' });
  });
});
