import { randomBytes, randomUUID } from 'crypto';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { KnownEventEnvelope } from '@app/contracts';
import { ident, raw, runSql, sql, table } from '@app/messaging';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { applyWrites } from './apply-writes';
import { writesOf } from './evolve';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenPartnerRegistered,
  givenRelationshipAccepted,
  givenResellerLinked,
  givenTemplatePublished,
  givenTerminated,
  givenWithdrawn,
  replayOf,
} from './facts.fixtures';
import { allProjectionTablesUp, PROJECTION_CONTENT, withdrawalHolds } from './projection-schema';

/**
 * applyWrites, given/when/then on the real PostgreSQL: `given` facts applied, `when` more arrive (late,
 * out of order, replayed under a new eventId), `then` the rows, or `thenNothingChanged` (S-05: the statement's
 * WHERE kept the row). Each test runs in a transaction rolled back afterwards.
 */
describe('applyWrites: the projection rows each fact leaves, in any arrival order', () => {
  let db: TestDatabase;
  let pg: Client;
  const schema = `writes_${randomBytes(4).toString('hex')}`;
  const manager = {
    query: (text: string, params?: unknown[]) => pg.query(text, params).then((r) => r.rows),
  } as Pick<EntityManager, 'query'>;
  const rows = async (statement: ReturnType<typeof sql>) => (await runSql(pg, statement)).rows;

  beforeAll(async () => {
    db = await createTestDatabase('gate_apply_writes');
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await runSql(pg, sql`CREATE SCHEMA ${ident(schema)}`);
    for (const statement of allProjectionTablesUp(schema)) await pg.query(statement);
  });

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  beforeEach(() => pg.query('BEGIN'));
  afterEach(() => pg.query('ROLLBACK'));

  const apply = async (facts: KnownEventEnvelope[]) => {
    for (const fact of facts) await applyWrites(manager, schema, writesOf(fact));
  };

  /** Every row of every projection table, with its ordering bookkeeping. */
  const everything = async () => {
    const all: Record<string, string[]> = {};
    for (const name of Object.keys(PROJECTION_CONTENT))
      all[name] = (await rows(sql`SELECT row_to_json(t)::text AS r FROM ${table(schema, name)} t`))
        .map((r: { r: string }) => r.r)
        .sort();
    return all;
  };

  function given(...history: KnownEventEnvelope[]) {
    return {
      when(...facts: KnownEventEnvelope[]) {
        return {
          async then(expectation: () => Promise<void>) {
            await apply([...history, ...facts]);
            await expectation();
          },
          async thenNothingChanged() {
            await apply(history);
            const before = await everything();
            await apply(facts);
            expect(await everything()).toEqual(before);
          },
        };
      },
    };
  }

  const partner = randomUUID();
  const customer = randomUUID();
  const acceptanceRow = async () => {
    const [row] = await rows(
      sql`SELECT attestation_id, event_id, template_id,
                 CASE WHEN ${raw(withdrawalHolds('a'))} THEN withdrawal_event_id END AS holding_withdrawal
            FROM ${table(schema, 'acceptances')} a WHERE partner_id = ${partner} AND customer_tenant_id = ${customer}`,
    );
    return row;
  };
  const idOf = (fact: KnownEventEnvelope) => (fact.data as { attestationId: string }).attestationId;

  const first = givenAttested(partner, customer, '2026-01-01T10:00:00.000Z');
  const withdrawal = givenWithdrawn(first, '2026-02-01T10:00:00.000Z');
  const reattested = givenAttested(partner, customer, '2026-03-01T10:00:00.000Z');

  it('A-01: an attestation is written as the partner’s acceptance of its type', async () => {
    await given()
      .when(first)
      .then(async () => {
        const [row] = await rows(
          sql`SELECT source, agreement_type, template_id, date_agreed, event_id, attestation_id, attested_at
                FROM ${table(schema, 'acceptances')}`,
        );
        expect(row).toEqual({
          source: 'PartnerAttestation',
          agreement_type: 'MicrosoftCustomerAgreement',
          template_id: (first.data as { templateId: string }).templateId,
          date_agreed: new Date((first.data as { dateAgreed: string }).dateAgreed),
          event_id: first.eventId,
          attestation_id: idOf(first),
          attested_at: new Date(first.occurredAt),
        });
      });
  });

  it('S-05, A-12: a withdrawal delivered before its attestation holds once the attestation arrives', async () => {
    await given(withdrawal)
      .when(first)
      .then(async () =>
        expect(await acceptanceRow()).toMatchObject({
          attestation_id: idOf(first),
          event_id: first.eventId,
          holding_withdrawal: withdrawal.eventId,
        }),
      );
  });

  it('S-05, A-12: a replayed attestation after its withdrawal changes nothing', async () => {
    await given(first, withdrawal).when(replayOf(first)).thenNothingChanged();
  });

  it('S-05, A-08: an older attestation delivered late changes nothing', async () => {
    const older = givenAttested(partner, customer, '2025-06-01T10:00:00.000Z');
    await given(first).when(older, replayOf(older)).thenNothingChanged();
  });

  it('S-05, A-12: a re-attestation after a withdrawal is not withdrawn, and the old withdrawal replayed changes nothing', async () => {
    await given(first, withdrawal)
      .when(reattested)
      .then(async () =>
        expect(await acceptanceRow()).toMatchObject({
          attestation_id: idOf(reattested),
          holding_withdrawal: null,
        }),
      );
    await pg.query('ROLLBACK');
    await pg.query('BEGIN');
    await given(first, withdrawal, reattested)
      .when(replayOf(withdrawal), replayOf(first))
      .thenNothingChanged();
  });

  it('S-05, D-08: a relationship acceptance delivered after a later termination, or replayed, does not re-open it', async () => {
    const accepted = givenRelationshipAccepted(partner, customer, '2026-01-01T10:00:00.000Z');
    const terminated = givenTerminated(partner, customer, '2026-02-01T10:00:00.000Z');
    await given(terminated)
      .when(accepted)
      .then(async () =>
        expect(await rows(sql`SELECT active, event_id FROM ${table(schema, 'relationships')}`)).toEqual([
          { active: false, event_id: terminated.eventId },
        ]),
      );
    await pg.query('ROLLBACK');
    await pg.query('BEGIN');
    await given(accepted, terminated).when(replayOf(accepted)).thenNothingChanged();
  });

  it('S-01: the first known cloud stands, even when a later fact is delivered first', async () => {
    const created = givenCustomerCreated(partner, customer, '2026-01-01T10:00:00.000Z', 'Public');
    const claimed = givenRelationshipAccepted(
      randomUUID(),
      customer,
      '2026-02-01T10:00:00.000Z',
      'UsGovernment',
    );
    await given(claimed)
      .when(created)
      .then(async () =>
        expect(await rows(sql`SELECT cloud FROM ${table(schema, 'customers')}`)).toEqual([
          { cloud: 'Public' },
        ]),
      );
    await pg.query('ROLLBACK');
    await pg.query('BEGIN');
    await given(created)
      .when(claimed, replayOf(claimed))
      .then(async () =>
        expect(await rows(sql`SELECT cloud FROM ${table(schema, 'customers')}`)).toEqual([
          { cloud: 'Public' },
        ]),
      );
  });

  it('D-07: a reseller link keeps the first time it was linked', async () => {
    const [provider, reseller] = [randomUUID(), randomUUID()];
    const earlier = givenResellerLinked(provider, reseller, '2026-01-01T10:00:00.000Z');
    const later = givenResellerLinked(provider, reseller, '2026-03-01T10:00:00.000Z');
    await given(later)
      .when(earlier)
      .then(async () =>
        expect(await rows(sql`SELECT linked_at FROM ${table(schema, 'reseller_links')}`)).toEqual([
          { linked_at: new Date('2026-01-01T10:00:00.000Z') },
        ]),
      );
    await pg.query('ROLLBACK');
    await pg.query('BEGIN');
    await given(earlier).when(later).thenNothingChanged();
  });

  it('S-05, D-06: an older direct acceptance, late or replayed, changes nothing', async () => {
    const older = givenDirectlyAccepted(customer, '2023-01-01T10:00:00.000Z', {
      dateAgreed: '2023-01-01T00:00:00Z',
    });
    const newer = givenDirectlyAccepted(customer, '2026-01-01T10:00:00.000Z', {
      dateAgreed: '2026-01-01T00:00:00Z',
    });
    await given(newer).when(older, replayOf(older), replayOf(newer)).thenNothingChanged();
  });

  it('S-05, G-04: a template keeps its highest-ranked, latest publication', async () => {
    const templateId = randomUUID();
    const published = givenTemplatePublished(
      templateId,
      2,
      '2026-01-01T00:00:00.000Z',
      'https://example.test/a',
    );
    const republished = givenTemplatePublished(
      templateId,
      2,
      '2026-02-01T00:00:00.000Z',
      'https://example.test/b',
    );
    const lower = givenTemplatePublished(templateId, 1, '2026-03-01T00:00:00.000Z', 'https://example.test/c');
    await given(published)
      .when(lower, republished, replayOf(published))
      .then(async () =>
        expect(
          await rows(
            sql`SELECT version_rank, agreement_link FROM ${table(schema, 'templates')} WHERE template_id = ${templateId}`,
          ),
        ).toEqual([{ version_rank: 2, agreement_link: 'https://example.test/b' }]),
      );
  });

  it('S-03: a partner’s first registration stands', async () => {
    const partnerId = randomUUID();
    await given(givenPartnerRegistered(partnerId, 'Public', 'IndirectProvider'))
      .when(givenPartnerRegistered(partnerId, 'UsGovernment', 'DirectBill'))
      .thenNothingChanged();
  });
});
