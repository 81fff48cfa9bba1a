/*
 * The legacy attestation's write as one statement (record_legacy_attestation, docs/performance.md): the
 * rules it must keep under concurrency, which one statement per request makes easy to break.
 */
import { randomUUID } from 'crypto';
import type { QueryResult } from 'pg';
import { runSql, sql, table } from '@app/messaging';
import { attestationBody, MCA_TEMPLATE } from '../attestation.fixtures';
import {
  acceptanceEventsFor,
  attest,
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
  rowsFor,
} from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';
import { pairLockKey } from './attest-agreement.handler';
import { LegacyPublication } from './legacy-publication';
import { LegacyWrite, LegacyWrites } from './legacy-writes';
import { eventually } from '@app/testing';

interface Row {
  id: string;
  event_id: string;
  superseded_by: string | null;
  current: boolean;
}

describe('record_legacy_attestation: one statement per attestation keeps every rule', () => {
  const sut = givenAttestationService('attestation-one-statement');

  async function rowsOf(customerTenantId: string): Promise<Row[]> {
    const { rows } = await runSql<QueryResult<Row>>(
      sut.pg,
      sql`SELECT id, event_id, superseded_by, (superseded_at IS NULL AND withdrawn_at IS NULL) AS current
            FROM ${table(ATTESTATION_SCHEMA, 'attestations')} WHERE customer_tenant_id = ${customerTenantId}`,
    );
    return rows;
  }

  it('A-08: concurrent attestations of one partner for one customer are each recorded (201), one current, the others superseded in one chain', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        attest(
          sut,
          partnerId,
          customerTenantId,
          attestationBody({
            primaryContact: { firstName: 'Ada', lastName: `Clerk ${i}`, email: 'a@contoso.example' },
          }),
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    const rows = await rowsOf(customerTenantId);
    expect(rows.map((r) => r.id).sort()).toEqual(answers.map((a) => a.body.id as string).sort());
    expect(rows.filter((r) => r.current)).toHaveLength(1);
    // Each superseded row names the one that replaced it, and no row is replaced twice: a chain.
    const supersededBy = rows.filter((r) => !r.current).map((r) => r.superseded_by);
    expect(supersededBy).toHaveLength(7);
    expect(new Set(supersededBy).size).toBe(7);
    for (const by of supersededBy) expect(rows.map((r) => r.id)).toContain(by);
  });

  it('A-08: concurrent exact repeats record one attestation; the others answer 200 with it, byte for byte', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const body = attestationBody();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => attest(sut, partnerId, customerTenantId, body)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    for (const answer of answers) expect(answer.text).toBe(answers[0].text);
    expect(await rowsFor(sut, customerTenantId)).toBe(1);
    expect(await attestationIdsBeforeMarker(sut, { partnerId, customerTenantId })).toEqual([
      answers[0].body.id,
    ]);
  });

  it('A-13: a replayed MS-RequestId answers the stored bytes even after a newer attestation superseded that record', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const requestId = randomUUID();
    const body = attestationBody();
    const first = await attest(sut, partnerId, customerTenantId, body, { requestId });
    expect(first.status).toBe(201);
    const newer = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({
        primaryContact: { firstName: 'Grace', lastName: 'Hopper', email: 'g@contoso.example' },
      }),
    );
    expect(newer.status).toBe(201);
    const replay = await attest(sut, partnerId, customerTenantId, body, { requestId });
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(await rowsFor(sut, customerTenantId)).toBe(2);
  });

  it('the record, its outbox row and the stored answer commit together: a failing outbox insert leaves none of them, and the retry records once', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const schema = ATTESTATION_SCHEMA;
    // DDL takes no parameters; the key is a UUID this test made.
    await sut.pg.query(`CREATE FUNCTION ${schema}.refuse_outbox_row() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox refused by the test'; END $$`);
    await sut.pg.query(`CREATE TRIGGER refuse_outbox_row BEFORE INSERT ON ${schema}.outbox FOR EACH ROW
      WHEN (NEW.key = '${customerTenantId}') EXECUTE FUNCTION ${schema}.refuse_outbox_row()`);
    const requestId = randomUUID();
    const body = attestationBody();
    let refused: Awaited<ReturnType<typeof attest>>;
    try {
      refused = await attest(sut, partnerId, customerTenantId, body, { requestId });
    } finally {
      await sut.pg.query(`DROP TRIGGER IF EXISTS refuse_outbox_row ON ${ATTESTATION_SCHEMA}.outbox`);
      await sut.pg.query(`DROP FUNCTION IF EXISTS ${ATTESTATION_SCHEMA}.refuse_outbox_row()`);
    }
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(await rowsFor(sut, customerTenantId)).toBe(0);
    const { rows: stored } = await runSql<QueryResult<{ n: number }>>(
      sut.pg,
      sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'requests')}
           WHERE partner_id = ${partnerId} AND request_id = ${requestId}`,
    );
    expect(stored[0].n).toBe(0);

    const retried = await attest(sut, partnerId, customerTenantId, body, { requestId });
    expect(retried.status).toBe(201);
    const [row] = await rowsOf(customerTenantId);
    expect(row.id).toBe(retried.body.id);
    // The published event is the one written with the record.
    const event = await eventually(() => {
      const found = acceptanceEventsFor(sut, customerTenantId).find(
        (m) => m.json?.data?.attestationId === row.id,
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(event.json?.eventId).toBe(row.event_id);
  });

  it('group commit: a write that fails in a shared statement fails alone, and the others of that statement are recorded', async () => {
    // Written in one turn of the event loop, the five writes go to the database in one statement.
    const writes = new LegacyWrites(
      sut.dataSource(),
      { lease: { owner: randomUUID(), seconds: 300 } } as LegacyPublication,
      ATTESTATION_SCHEMA,
    );
    const partnerId = randomUUID();
    const customers = Array.from({ length: 5 }, () => randomUUID());
    const write = (customerTenantId: string, templateId: string): LegacyWrite => ({
      partnerId,
      requestId: randomUUID(),
      fingerprint: 'f',
      lockKey: pairLockKey(partnerId, customerTenantId, 'MicrosoftCustomerAgreement'),
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      seenCurrent: null,
      repeatBody: null,
      id: randomUUID(),
      templateId,
      dateAgreed: new Date(Date.now() - 3600000).toISOString(),
      userId: randomUUID(),
      attestedBy: null,
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
      channel: 'Api',
      body: '{}',
      eventId: randomUUID(),
      topic: 'agreements.acceptance',
      key: customerTenantId,
      eventType: 'AgreementAttested',
      payload: '{}',
      headers: {},
    });
    // The third names no template: its insert breaks the foreign key.
    const outcomes = await Promise.allSettled(
      customers.map((c, i) => writes.write(write(c, i === 2 ? randomUUID() : MCA_TEMPLATE))),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23503' });
    for (const [i, customer] of customers.entries()) {
      expect(await rowsFor(sut, customer)).toBe(i === 2 ? 0 : 1);
      const { rows } = await runSql<QueryResult<{ n: number }>>(
        sut.pg,
        sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'outbox')} WHERE key = ${customer}`,
      );
      // Not yet published (leased to a stranger, no relay takes it): the outbox row went with its record.
      expect(rows[0].n).toBe(i === 2 ? 0 : 1);
    }
  });
});
