import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { AgreementTemplatePublishedV1, buildEnvelope, EventEnvelope, Topics } from '@app/contracts';
import {
  connectedProducer,
  createTestDatabase,
  eventually,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  uniqueGroupPrefix,
} from '@app/testing';
import { ResellerRelationshipModule } from '../reseller-relationship.module';

/**
 * S-05 in the reseller-relationship service's copy of `agreements.templates`, on the real broker and
 * database: an older or lower-ranked publication of a template, published again under a new eventId,
 * never replaces a newer one, whichever arrives first. Other services on the broker read them too:
 * Cloud Agreement versions published in 2999 are never the newest template of any order, invitation or
 * direct acceptance.
 */
describe('S-05: replayed and late template publications in reseller-relationship', () => {
  const kafka = testKafka('reseller-relationship-late-templates');
  let db: TestDatabase;
  let service: RunningService;
  let producer: Producer;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('reseller_relationship_late_templates');
    service = await startService(
      'reseller-relationship',
      (config) =>
        ResellerRelationshipModule.forRoot(config, {
          INVITATION_BASE_URL: 'https://invite.example/v1/invitations',
        }),
      { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('rr-late-templates') },
    );
    producer = await connectedProducer(kafka);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await producer?.disconnect();
    await service?.close();
    await db?.drop();
  });

  const published = (templateId: string, versionRank: number, publishedAt: string) =>
    buildEnvelope<AgreementTemplatePublishedV1>(
      'AgreementTemplatePublished',
      {
        templateId,
        agreementType: 'MicrosoftCloudAgreement',
        versionRank,
        agreementLink: 'https://aka.ms/cloudagreement',
        publishedAt,
      },
      { producer: 'attestation', occurredAt: new Date(publishedAt) },
    );
  const replayOf = <T>(e: EventEnvelope<T>) => ({ ...e, eventId: randomUUID() });

  async function publish(...facts: EventEnvelope[]): Promise<void> {
    for (const f of facts)
      await producer.send({
        topic: Topics.AgreementsTemplates,
        acks: -1,
        messages: [{ key: (f.data as { templateId: string }).templateId, value: JSON.stringify(f) }],
      });
    await eventually(
      async () => {
        const { rows } = await pg.query(
          `SELECT count(*)::int AS n FROM reseller_relationship.processed_events
            WHERE consumer = 'agreement-templates' AND event_id = ANY($1)`,
          [facts.map((f) => f.eventId)],
        );
        expect(rows[0].n).toBe(facts.length);
      },
      { timeoutMs: 60000 },
    );
  }

  const held = async (templateId: string) =>
    (
      await pg.query(
        `SELECT version_rank AS "versionRank", published_at AS "publishedAt"
           FROM reseller_relationship.agreement_templates WHERE template_id = $1`,
        [templateId],
      )
    ).rows[0];

  it('S-05: the newest publication of a template stands against older and lower-ranked ones, in both orders', async () => {
    const newerFirst = randomUUID();
    const older = published(newerFirst, 1, '2999-06-01T00:00:00.000Z');
    const newer = published(newerFirst, 1, '2999-08-01T00:00:00.000Z');
    const lowerRank = published(newerFirst, 0, '2999-09-01T00:00:00.000Z');
    await publish(newer, replayOf(older), lowerRank);
    expect(await held(newerFirst)).toEqual({
      versionRank: 1,
      publishedAt: new Date('2999-08-01T00:00:00.000Z'),
    });

    const olderFirst = randomUUID();
    const first = published(olderFirst, 1, '2999-06-01T00:00:00.000Z');
    await publish(first, published(olderFirst, 1, '2999-08-01T00:00:00.000Z'), replayOf(first));
    expect(await held(olderFirst)).toEqual({
      versionRank: 1,
      publishedAt: new Date('2999-08-01T00:00:00.000Z'),
    });
  });
});
