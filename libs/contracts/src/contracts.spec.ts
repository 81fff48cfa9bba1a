import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import {
  ALL_EVENT_TYPES,
  ALL_TOPICS,
  APPROVED_REASONS,
  BLOCKED_REASONS,
  DLQ_TOPICS,
  EVENT_REGISTRY,
  EVENT_TOPIC,
  eventTypesOn,
  parseAndValidate,
  Topics,
  validateEvent,
} from '@app/contracts';

const FIXTURES = join(__dirname, '..', 'fixtures');
const INVALID = join(FIXTURES, 'invalid');
const TOPICS_JSON = join(__dirname, '..', '..', '..', 'deploy', 'kafka', 'topics.json');

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const fixtureFileOf = (eventType: string, eventVersion: number) => `${eventType}.v${eventVersion}.json`;

interface InvalidCase {
  file: string;
  topic: string;
  description: string;
  reasonIncludes: string;
}
const invalidCases = readJson(join(INVALID, 'index.json')) as InvalidCase[];

describe('valid fixtures', () => {
  it.each(EVENT_REGISTRY.map((d) => [d.eventType, d.eventVersion, d.topic] as const))(
    '%s v%i has a fixture that validates on %s',
    (eventType, eventVersion, topic) => {
      const raw = readJson(join(FIXTURES, fixtureFileOf(eventType, eventVersion)));

      const result = validateEvent(raw, { topic });

      expect(result).toEqual({ ok: true, envelope: raw });
      if (result.ok) expect(result.envelope).toBe(raw);
    },
  );

  it('has no fixture for an event the registry does not define', () => {
    const expected = EVENT_REGISTRY.map((d) => fixtureFileOf(d.eventType, d.eventVersion)).sort();
    const present = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(present).toEqual(expected);
  });

  it('validates each fixture as raw bytes too, the way a consumer receives it', () => {
    for (const d of EVENT_REGISTRY) {
      const bytes = readFileSync(join(FIXTURES, fixtureFileOf(d.eventType, d.eventVersion)));
      expect(parseAndValidate(bytes, { topic: d.topic })).toMatchObject({ ok: true });
    }
  });
});

describe('invalid fixtures', () => {
  it.each(invalidCases.map((c) => [c.file, c] as const))(
    '%s is refused with its expected reason',
    (_file, c) => {
      const result = validateEvent(readJson(join(INVALID, c.file)), { topic: c.topic });

      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toContain(c.reasonIncludes);
    },
  );

  it('lists every invalid fixture in index.json', () => {
    const files = readdirSync(INVALID).filter((f) => f.endsWith('.json') && f !== 'index.json');
    expect(invalidCases.map((c) => c.file).sort()).toEqual(files.sort());
  });
});

describe('registry and topics', () => {
  it('puts every event type on a contract topic, and every topic carries at least one event type', () => {
    for (const eventType of ALL_EVENT_TYPES) expect(ALL_TOPICS).toContain(EVENT_TOPIC[eventType]);
    for (const topic of ALL_TOPICS) expect(eventTypesOn(topic).length).toBeGreaterThan(0);
  });

  it('follows the topic table of docs/contract.md', () => {
    expect(eventTypesOn(Topics.OrdersRequested)).toEqual(['OrderRequested']);
    expect(eventTypesOn(Topics.OrdersDecided)).toEqual(['OrderApproved', 'OrderBlocked']);
    expect(eventTypesOn(Topics.AgreementsAcceptance)).toEqual([
      'AgreementAttested',
      'AgreementAttestationWithdrawn',
      'CustomerAgreementAccepted',
      'EnhancedAttestationStarted',
      'EnhancedAttestationAccepted',
      'EnhancedAttestationCancelled',
      'EnhancedAttestationExpired',
    ]);
    expect(eventTypesOn(Topics.AgreementsTemplates)).toEqual(['AgreementTemplatePublished']);
    expect(eventTypesOn(Topics.PartnersRelationships)).toEqual([
      'PartnerRegistered',
      'CustomerTenantCreated',
      'ResellerRelationshipRequested',
      'ResellerRelationshipAccepted',
      'ResellerRelationshipTerminated',
      'IndirectResellerLinked',
    ]);
  });

  it('defines every event type in at least one version, and each (type, version) once', () => {
    const keys = EVENT_REGISTRY.map((d) => `${d.eventType}@${d.eventVersion}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(EVENT_REGISTRY.map((d) => d.eventType))).toEqual(new Set(ALL_EVENT_TYPES));
  });

  it('keeps the decision reasons of docs/contract.md', () => {
    expect(APPROVED_REASONS).toEqual([
      'AcceptanceConfirmed',
      'AutoRenewalExempt',
      'CancellationExempt',
      'NationalCloudExempt',
      'EnforcementNotYetEffective',
    ]);
    expect(BLOCKED_REASONS).toEqual([
      'AcceptanceMissing',
      'AcceptanceWithdrawn',
      'AgreementTypeSuperseded',
      'TemplateOutdated',
      'ReacceptanceRequired',
      'NoResellerRelationship',
      'LegacyAttestationRetired',
      'InvalidOrder',
    ]);
  });

  it('agrees with deploy/kafka/topics.json: every topic and its dead-letter topic, nothing else', () => {
    const { topics } = readJson(TOPICS_JSON) as { topics: { name: string; partitions: number }[] };

    expect(topics.map((t) => t.name).sort()).toEqual([...ALL_TOPICS, ...DLQ_TOPICS].sort());
    for (const topic of topics) {
      expect(Number.isInteger(topic.partitions) && topic.partitions > 0).toBe(true);
    }
  });
});
