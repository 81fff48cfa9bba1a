import { randomBytes, randomUUID } from 'crypto';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { KnownEventEnvelope } from '@app/contracts';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { applyWrites } from './apply-writes';
import { effectiveWithdrawal, EMPTY_PROJECTION, evolve, ProjectionState, writesOf } from './evolve';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenEnhancedFinalized,
  givenEnhancedOutcome,
  givenEnhancedStarted,
  givenRelationshipAccepted,
  givenTemplatePublished,
  givenTerminated,
  givenWithdrawn,
  MCA_TEMPLATE,
  replayOf,
} from './facts.fixtures';
import {
  allProjectionTablesUp,
  enhancedAttestationsUp,
  factOrderingUp,
  projectionTablesUp,
  withdrawalHolds,
} from './projection-schema';

/**
 * S-05, S-01: the projection's SQL (`applyWrites`) keeps the same rows as the pure `evolve`, for every
 * arrival order of facts that include replays, on the real PostgreSQL.
 */

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());

/** Rows compared as sets: each table's rows in one stable order. */
const sorted = <T extends Record<string, unknown[]>>(tables: T): T =>
  Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [name, rows.map((r) => JSON.stringify(r)).sort()]),
  ) as unknown as T;

/** What the gate judges on, from the pure state. */
function fromState(state: ProjectionState) {
  return {
    acceptances: [...state.acceptances.values()]
      .filter((row) => row.attestation)
      .map((row) => ({
        attestationId: row.attestation!.attestationId,
        eventId: row.attestation!.eventId,
        withdrawnAt: iso(effectiveWithdrawal(row)?.withdrawnAt ?? null),
      })),
    direct: [...state.directAcceptances.values()].map((d) => ({
      templateId: d.templateId,
      eventId: d.eventId,
    })),
    customers: [...state.customers.values()].map((c) => ({ cloud: c.cloud })),
    relationships: [...state.relationships.values()].map((r) => ({ active: r.active, eventId: r.eventId })),
    templates: [...state.templates.values()].map((t) => ({
      versionRank: t.versionRank,
      link: t.agreementLink,
    })),
    enhanced: [...state.enhancedAttestations.values()].map((e) => ({
      attestationId: e.attestationId,
      status: e.status,
      eventId: e.eventId,
    })),
  };
}

describe('S-05: the projection SQL agrees with evolve in every arrival order', () => {
  let db: TestDatabase;
  let pg: Client;
  const schema = `facts_${randomBytes(4).toString('hex')}`;
  const manager = {
    query: (sql: string, params?: unknown[]) => pg.query(sql, params).then((r) => r.rows),
  } as Pick<EntityManager, 'query'>;

  beforeAll(async () => {
    db = await createTestDatabase('gate_projection_sql');
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
    for (const sql of allProjectionTablesUp(schema)) await pg.query(sql);
    await pg.query(`DELETE FROM ${schema}.templates`);
  });

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  async function fromTables() {
    const q = async (sql: string) => (await pg.query(sql)).rows;
    return {
      acceptances: await q(
        `SELECT attestation_id AS "attestationId", event_id AS "eventId",
                CASE WHEN ${withdrawalHolds('a')} THEN withdrawn_at END AS "withdrawnAt"
           FROM ${schema}.acceptances a WHERE template_id IS NOT NULL`,
      ).then((rows) => rows.map((r) => ({ ...r, withdrawnAt: iso(r.withdrawnAt) }))),
      direct: await q(
        `SELECT template_id AS "templateId", event_id AS "eventId" FROM ${schema}.direct_acceptances`,
      ),
      customers: await q(`SELECT cloud FROM ${schema}.customers`),
      relationships: await q(`SELECT active, event_id AS "eventId" FROM ${schema}.relationships`),
      templates: await q(
        `SELECT version_rank AS "versionRank", agreement_link AS link FROM ${schema}.templates`,
      ),
      enhanced: await q(
        `SELECT attestation_id AS "attestationId", status, event_id AS "eventId" FROM ${schema}.enhanced_attestations`,
      ),
    };
  }

  /** Applies the facts in every order, each order in a transaction rolled back afterwards. */
  async function expectSameInEveryOrder(facts: KnownEventEnvelope[]) {
    for (const order of permutations(facts)) {
      await pg.query('BEGIN');
      try {
        for (const fact of order) await applyWrites(manager, schema, writesOf(fact));
        expect(sorted(await fromTables())).toEqual(sorted(fromState(order.reduce(evolve, EMPTY_PROJECTION))));
      } finally {
        await pg.query('ROLLBACK');
      }
    }
  }

  const partner = randomUUID();
  const customer = randomUUID();

  it('S-05, A-12: attestation, withdrawal, re-attestation and replays of the first two', async () => {
    const first = givenAttested(partner, customer, '2026-01-01T10:00:00.000Z');
    const withdrawal = givenWithdrawn(first, '2026-02-01T10:00:00.000Z');
    const again = givenAttested(partner, customer, '2026-03-01T10:00:00.000Z');
    await expectSameInEveryOrder([first, withdrawal, replayOf(first), replayOf(withdrawal)]);
    await expectSameInEveryOrder([first, withdrawal, again, replayOf(first), replayOf(withdrawal)]);
    await expectSameInEveryOrder([first, givenWithdrawn(first, '2026-01-01T09:59:59.990Z'), replayOf(first)]);
  });

  it('G-15, E-05: an enhanced attestation accepted, expired late, finalized; a newer one of the pair; replays', async () => {
    const started = givenEnhancedStarted(partner, customer, '2026-01-01T10:00:00.000Z');
    const accepted = givenEnhancedOutcome(started, 'Accepted', '2026-01-02T10:00:00.000Z');
    const expired = givenEnhancedOutcome(started, 'Expired', '2026-01-08T10:00:00.000Z');
    const finalized = givenEnhancedFinalized(started, '2026-01-03T10:00:00.000Z');
    const newer = givenEnhancedStarted(partner, customer, '2026-02-01T10:00:00.000Z');
    await expectSameInEveryOrder([started, accepted, expired, finalized, replayOf(accepted)]);
    await expectSameInEveryOrder([started, accepted, newer, replayOf(started)]);
  });

  it('S-05, A-08: two attestations at the same instant, and a copy', async () => {
    const a = givenAttested(partner, customer, '2026-01-01T10:00:00.000Z');
    const b = givenAttested(partner, customer, '2026-01-01T10:00:00.000Z');
    await expectSameInEveryOrder([a, b, replayOf(a)]);
  });

  it('S-05, D-08, S-01: relationships and the customer cloud', async () => {
    const created = givenCustomerCreated(partner, customer, '2026-01-01T10:00:00.000Z');
    const terminated = givenTerminated(partner, customer, '2026-02-01T10:00:00.000Z');
    const claimed = givenRelationshipAccepted(
      randomUUID(),
      customer,
      '2026-03-01T10:00:00.000Z',
      'UsGovernment',
    );
    const accepted = givenRelationshipAccepted(partner, customer, '2026-01-15T10:00:00.000Z');
    await expectSameInEveryOrder([created, terminated, claimed, replayOf(created), replayOf(accepted)]);
  });

  it('S-05: direct acceptances and template publications', async () => {
    const older = givenDirectlyAccepted(customer, '2023-01-01T10:00:00.000Z');
    const newer = givenDirectlyAccepted(customer, '2026-01-01T10:00:00.000Z', {
      dateAgreed: '2026-01-01T00:00:00.000Z',
    });
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
    await expectSameInEveryOrder([older, newer, replayOf(older), published, republished, lower]);
  });

  it('S-05: rows projected before the migration keep their meaning, and replays of their older facts change nothing', async () => {
    const legacy = `legacy_${randomBytes(4).toString('hex')}`;
    const p = randomUUID();
    const withdrawnCustomer = randomUUID();
    const currentCustomer = randomUUID();
    await pg.query(`CREATE SCHEMA ${legacy}`);
    for (const sql of projectionTablesUp(legacy, true)) await pg.query(sql);
    // As the gate wrote them before: no attestation id, recorded when applied; one of them withdrawn.
    for (const c of [withdrawnCustomer, currentCustomer])
      await pg.query(
        `INSERT INTO ${legacy}.acceptances (partner_id, customer_tenant_id, agreement_type, source, template_id,
           date_agreed, event_id, recorded_at, withdrawn_at, withdrawal_event_id)
         VALUES ($1, $2, 'MicrosoftCustomerAgreement', 'PartnerAttestation', $3, '2024-01-01', $4, $5, $6, $7)`,
        [
          p,
          c,
          MCA_TEMPLATE,
          randomUUID(),
          '2026-01-01T10:00:01Z',
          c === withdrawnCustomer ? '2026-02-01T10:00:00Z' : null,
          c === withdrawnCustomer ? randomUUID() : null,
        ],
      );
    await pg.query(
      `INSERT INTO ${legacy}.customers (customer_tenant_id, cloud, country) VALUES ($1, 'Public', 'US')`,
      [currentCustomer],
    );
    for (const sql of [...factOrderingUp(legacy), ...enhancedAttestationsUp(legacy)]) await pg.query(sql);

    const original = (c: string) => givenAttested(p, c, '2026-01-01T10:00:00.000Z');
    const withdrawnNow = givenWithdrawn(original(currentCustomer), '2026-03-01T10:00:00.000Z');
    for (const fact of [
      replayOf(original(withdrawnCustomer)),
      replayOf(original(currentCustomer)),
      withdrawnNow,
      givenRelationshipAccepted(randomUUID(), currentCustomer, '2026-04-01T10:00:00.000Z', 'UsGovernment'),
    ])
      await applyWrites(manager, legacy, writesOf(fact));
    const { rows } = await pg.query(
      `SELECT customer_tenant_id AS customer, attestation_id IS NULL AS legacy,
              CASE WHEN ${withdrawalHolds('a')} THEN withdrawn_at END IS NOT NULL AS withdrawn
         FROM ${legacy}.acceptances a ORDER BY withdrawn_at NULLS LAST`,
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { customer: withdrawnCustomer, legacy: true, withdrawn: true },
        { customer: currentCustomer, legacy: true, withdrawn: true },
      ]),
    );
    const cloud = await pg.query(`SELECT cloud FROM ${legacy}.customers WHERE customer_tenant_id = $1`, [
      currentCustomer,
    ]);
    expect(cloud.rows[0].cloud).toBe('Public');
  });
});
