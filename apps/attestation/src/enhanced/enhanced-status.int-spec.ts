import type { QueryResult } from 'pg';
import { Topics, validateEvent } from '@app/contracts';
import { OutboxRelay, runSql, SERVICE_SCHEMA, sql, table, TransactionalOutbox } from '@app/messaging';
import { DataSource } from 'typeorm';
import {
  acceptanceEventsFor,
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
} from '../attestation.harness';
import { ATTESTATION_SCHEMA, ATTESTATION_SETTINGS } from '../config';
import { EnhancedExpirySweep } from './expiry-sweep';
import {
  cancelEnhanced,
  context,
  eventsOf,
  getEnhanced,
  listEnhanced,
  serviceOf,
  startBody,
  startEnhanced,
  tokenOf,
  typedAs,
} from './enhanced.harness';

const enhanced = table(ATTESTATION_SCHEMA, 'enhanced_attestations');

describe('status, list, cancel and expiry of enhanced attestations (E-05)', () => {
  const sut = givenAttestationService('attestation-enhanced-status', { ATTESTATION_EXPIRY_SWEEP_MS: '300' });

  async function started(pair?: { partnerId: string; customerTenantId: string }, over = {}) {
    const p = pair ?? (await givenRelatedPair(sut));
    const res = await startEnhanced(sut, p.partnerId, startBody(p.customerTenantId, over));
    expect(res.status).toBe(201);
    return { ...p, attestationId: res.body.attestationId as string, token: tokenOf(res.body.acceptanceUrl) };
  }

  const backdate = (attestationId: string) =>
    runSql(
      sut.pg,
      sql`UPDATE ${enhanced} SET expires_at = now() - interval '1 second' WHERE id = ${attestationId}`,
    );

  it('E-05: a partner reads one attestation and lists the customer’s, newest first', async () => {
    const first = await started();
    const second = await started(first, { expiresInMinutes: 30 });
    const one = await getEnhanced(sut, first.partnerId, first.attestationId);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      attestationId: first.attestationId,
      customerTenantId: first.customerTenantId,
      status: 'Pending',
      companyName: 'Contoso Ltd',
      signatory: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' },
      autoFinalize: false,
    });
    expect(one.body.evidence).toBeUndefined();
    const list = await listEnhanced(sut, first.partnerId, first.customerTenantId);
    expect(list.status).toBe(200);
    expect(list.body.totalCount).toBe(2);
    expect(list.body.items.map((i: { attestationId: string }) => i.attestationId)).toEqual([
      second.attestationId,
      first.attestationId,
    ]);
  });

  it('E-05: cancelling a pending attestation: Cancelled, EnhancedAttestationCancelled, its link records nothing, a second cancel is 409', async () => {
    const s = await started();
    const res = await cancelEnhanced(sut, s.partnerId, s.attestationId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'Cancelled', cancelledAt: expect.any(String) });
    const [event] = await eventsOf(sut, s.customerTenantId, 'EnhancedAttestationCancelled');
    expect(validateEvent(event.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    expect(event.json.data).toEqual({
      attestationId: s.attestationId,
      partnerId: s.partnerId,
      customerTenantId: s.customerTenantId,
      cancelledAt: res.body.cancelledAt,
    });
    const accepted = await serviceOf(sut).accept(s.token, typedAs(), context);
    expect(accepted).toMatchObject({ outcome: 'Cancelled', view: { status: 'Cancelled' } });
    const again = await cancelEnhanced(sut, s.partnerId, s.attestationId);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 610127, parameters: { status: 'Cancelled' } });
    const { rows } = await runSql<QueryResult<{ n: number }>>(
      sut.pg,
      sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'enhanced_attestation_evidence')}
           WHERE attestation_id = ${s.attestationId}`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('E-05: an accepted attestation cannot be cancelled (409)', async () => {
    const s = await started();
    expect((await serviceOf(sut).accept(s.token, typedAs(), context)).outcome).toBe('Accepted');
    const res = await cancelEnhanced(sut, s.partnerId, s.attestationId);
    expect(res.status).toBe(409);
    expect(res.body.parameters.status).toBe('Accepted');
  });

  it('E-05: past its expiry a pending attestation is Expired even if nobody looks: the sweep marks it and emits EnhancedAttestationExpired once; its link records nothing', async () => {
    const s = await started();
    await backdate(s.attestationId);
    const [event] = await eventsOf(sut, s.customerTenantId, 'EnhancedAttestationExpired');
    expect(validateEvent(event.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    expect(event.json.data).toMatchObject({ attestationId: s.attestationId, partnerId: s.partnerId });
    const { rows } = await runSql<QueryResult<{ status: string; expired_at: Date; expires_at: Date }>>(
      sut.pg,
      sql`SELECT status, expired_at, expires_at FROM ${enhanced} WHERE id = ${s.attestationId}`,
    );
    expect(rows[0].status).toBe('Expired');
    expect(event.json.data.expiredAt).toBe(rows[0].expires_at.toISOString());
    const read = await getEnhanced(sut, s.partnerId, s.attestationId);
    expect(read.body).toMatchObject({ status: 'Expired', expiredAt: event.json.data.expiredAt });
    expect(await serviceOf(sut).accept(s.token, typedAs(), context)).toMatchObject({ outcome: 'Expired' });
    expect((await cancelEnhanced(sut, s.partnerId, s.attestationId)).status).toBe(409);
    const ids = await attestationIdsBeforeMarker(sut, s);
    expect(ids.filter((id) => id === s.attestationId)).toHaveLength(2); // Started, Expired
  });

  it('E-05: several instances sweeping at once expire each attestation once (FOR UPDATE SKIP LOCKED)', async () => {
    const app = sut.service.app;
    const sweeper = () =>
      new EnhancedExpirySweep(
        app.get(DataSource),
        app.get(TransactionalOutbox),
        { ...app.get(ATTESTATION_SETTINGS), expirySweepMs: 3_600_000 },
        app.get(SERVICE_SCHEMA),
      );
    const pair = await givenRelatedPair(sut);
    const many = [];
    for (let i = 0; i < 8; i++) many.push(await started(pair));
    await runSql(
      sut.pg,
      sql`UPDATE ${enhanced} SET expires_at = now() - interval '1 second'
           WHERE id = ANY(${many.map((m) => m.attestationId)}::uuid[])`,
    );
    const counts = await Promise.all([sweeper().sweep(), sweeper().sweep(), sweeper().sweep()]);
    app.get(OutboxRelay).wake();
    expect(counts.every((n) => n >= 0 && n <= 8)).toBe(true);
    await eventsOf(sut, pair.customerTenantId, 'EnhancedAttestationExpired', 8);
    await attestationIdsBeforeMarker(sut, pair);
    // With the service's own sweep running too, each expired once: eight events in all.
    const expiredIds = acceptanceEventsFor(sut, pair.customerTenantId)
      .filter((m) => m.json?.eventType === 'EnhancedAttestationExpired')
      .map((m) => m.json?.data?.attestationId as string);
    expect(expiredIds.sort()).toEqual(many.map((m) => m.attestationId).sort());
  });

  it('E-05: a pending attestation past its expiry reads as Expired before any sweep has run', async () => {
    // The last test of the file: the service's sweep is stopped, so only the read can say Expired.
    await sut.service.app.get(EnhancedExpirySweep).beforeApplicationShutdown();
    const s = await started();
    const { rows } = await runSql<QueryResult<{ id: string }>>(
      sut.pg,
      sql`UPDATE ${enhanced} SET expires_at = now() - interval '1 second', status = 'Pending'
           WHERE id = ${s.attestationId} RETURNING id`,
    );
    expect(rows).toHaveLength(1);
    const view = await serviceOf(sut).viewByToken(s.token);
    expect(view?.status).toBe('Expired');
    expect((await getEnhanced(sut, s.partnerId, s.attestationId)).body.status).toBe('Expired');
    const list = await listEnhanced(sut, s.partnerId, s.customerTenantId);
    expect(list.body.items[0].status).toBe('Expired');
    const stored = await runSql<QueryResult<{ status: string }>>(
      sut.pg,
      sql`SELECT status FROM ${enhanced} WHERE id = ${s.attestationId}`,
    );
    expect(stored.rows[0].status).toBe('Pending');
  });
});
