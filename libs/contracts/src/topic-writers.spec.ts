import { readFileSync } from 'fs';
import { join } from 'path';
import {
  ALL_TOPICS,
  DLQ_TOPICS,
  EVENT_REGISTRY,
  parseAndValidate,
  TOPIC_CONSUMERS,
  TOPIC_WRITERS,
  Topics,
  validateEvent,
} from '@app/contracts';

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (eventType: string) =>
  JSON.parse(readFileSync(join(FIXTURES, `${eventType}.v1.json`), 'utf8')) as Record<string, unknown>;

describe('S-04: a consumer accepts a fact only from a writer of its topic', () => {
  it('names the writers of docs/contract.md for every topic', () => {
    expect(TOPIC_WRITERS).toEqual({
      [Topics.OrdersRequested]: ['commerce-platform'],
      [Topics.OrdersDecided]: ['order-gate'],
      [Topics.AgreementsAcceptance]: ['attestation', 'reseller-relationship'],
      [Topics.AgreementsTemplates]: ['attestation'],
      [Topics.PartnersRelationships]: ['reseller-relationship'],
    });
  });

  it.each(EVENT_REGISTRY.map((d) => [d.eventType, d.topic] as const))(
    'S-04: refuses %s on %s from a producer that does not write it, naming producer and topic',
    (eventType, topic) => {
      const outsider = [
        'commerce-platform',
        'order-gate',
        'attestation',
        'reseller-relationship',
        'audit',
      ].find((p) => !(TOPIC_WRITERS[topic] as readonly string[]).includes(p))!;
      const forged = { ...fixture(eventType), producer: outsider };

      const result = validateEvent(forged, { topic });

      expect(result).toEqual({
        ok: false,
        reason: `producer ${outsider} is not a writer of ${topic} (writers: ${TOPIC_WRITERS[topic].join(', ')})`,
      });
    },
  );

  it('S-04: accepts every writer of a topic, on the topic and on its .dlq', () => {
    for (const writer of TOPIC_WRITERS[Topics.AgreementsAcceptance]) {
      const event = { ...fixture('AgreementAttested'), producer: writer };
      expect(validateEvent(event, { topic: Topics.AgreementsAcceptance }).ok).toBe(true);
      expect(validateEvent(event, { topic: `${Topics.AgreementsAcceptance}.dlq` }).ok).toBe(true);
    }
  });

  it('S-04: refuses a look-alike producer name and never echoes a producer that is not a plain name', () => {
    const lookAlike = {
      ...fixture('ResellerRelationshipTerminated'),
      producer: 'reseller-relationship (test)',
    };
    const bytes = Buffer.from(JSON.stringify(lookAlike));

    const result = parseAndValidate(bytes, { topic: Topics.PartnersRelationships });

    expect(result).toEqual({
      ok: false,
      reason: 'the producer is not a writer of partners.relationships (writers: reseller-relationship)',
    });
  });

  it('checks the producer only when the topic is known', () => {
    expect(validateEvent({ ...fixture('AgreementAttested'), producer: 'anyone' }).ok).toBe(true);
  });
});

describe('topic-access.json', () => {
  it('declares only contract topics, and every consumer reads at least one', () => {
    const known = new Set<string>([...ALL_TOPICS, ...DLQ_TOPICS]);
    for (const consumers of Object.values(TOPIC_CONSUMERS))
      for (const topics of Object.values(consumers)) {
        expect(topics.length).toBeGreaterThan(0);
        for (const topic of topics) expect(known).toContain(topic);
      }
    expect(Object.keys(TOPIC_WRITERS).sort()).toEqual([...ALL_TOPICS].sort());
  });
});
