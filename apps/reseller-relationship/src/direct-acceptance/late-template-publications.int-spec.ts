import { randomUUID } from 'crypto';
import { AgreementTemplatePublishedV1, buildEnvelope, EventEnvelope, Topics } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { eventually, givenRunningService } from '@app/testing';
import { relationshipService } from '../relationship.harness';
import { RESELLER_RELATIONSHIP_SCHEMA } from '../reseller-relationship.module';

/**
 * S-05 in the reseller-relationship service's copy of `agreements.templates`, on the real broker and
 * database: an older or lower-ranked publication of a template, published again under a new eventId,
 * never replaces a newer one, whichever arrives first. Other services on the broker read them too:
 * Cloud Agreement versions published in 2999 are never the newest template of any order, invitation or
 * direct acceptance.
 */
describe('S-05: replayed and late template publications in reseller-relationship', () => {
  const sut = givenRunningService(relationshipService('rr-late-templates'));
  const tableOf = (name: string) => table(RESELLER_RELATIONSHIP_SCHEMA, name);

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
      await sut.producer.send({
        topic: Topics.AgreementsTemplates,
        acks: -1,
        messages: [{ key: (f.data as { templateId: string }).templateId, value: JSON.stringify(f) }],
      });
    await eventually(
      async () => {
        const rows = await runSql(
          sut.dataSource(),
          sql`SELECT count(*)::int AS n FROM ${tableOf('processed_events')}
              WHERE consumer = 'agreement-templates' AND event_id = ANY(${facts.map((f) => f.eventId)})`,
        );
        expect(rows[0].n).toBe(facts.length);
      },
      { timeoutMs: 60000 },
    );
  }

  const held = async (templateId: string) =>
    (
      await runSql(
        sut.dataSource(),
        sql`SELECT version_rank AS "versionRank", published_at AS "publishedAt"
            FROM ${tableOf('agreement_templates')} WHERE template_id = ${templateId}`,
      )
    )[0];

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
