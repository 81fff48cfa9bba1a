import { randomUUID } from 'crypto';
import { Topics, validateEvent } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { givenCustomerCreated, MCA_TEMPLATE } from '../attestation.fixtures';
import {
  acceptanceEventsFor,
  ATTESTATION_TOPICS,
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
  recordedSince,
  topicEnds,
} from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';
import {
  cancelEnhanced,
  context,
  eventsOf,
  finalizeEnhanced,
  getEnhanced,
  listEnhanced,
  serviceOf,
  startBody,
  startEnhanced,
  tokenOf,
  typedAs,
} from './enhanced.harness';

describe('what the enhanced attestation tells whom (E-06, E-07, E-08)', () => {
  const sut = givenAttestationService('attestation-enhanced-boundaries', {
    ATTESTATION_EXPIRY_SWEEP_MS: '300',
  });

  async function started(pair: { partnerId: string; customerTenantId: string }, over = {}) {
    const res = await startEnhanced(sut, pair.partnerId, startBody(pair.customerTenantId, over));
    expect(res.status).toBe(201);
    return {
      attestationId: res.body.attestationId as string,
      acceptanceUrl: res.body.acceptanceUrl as string,
    };
  }

  it('E-07: starting, accepting, finalizing, cancelling and expiring are events on agreements.acceptance, in order on the customer’s key, each valid against the contract', async () => {
    const pair = await givenRelatedPair(sut);
    const done = await started(pair);
    expect((await serviceOf(sut).accept(tokenOf(done.acceptanceUrl), typedAs(), context)).outcome).toBe(
      'Accepted',
    );
    const body = {
      attestationId: done.attestationId,
      templateId: MCA_TEMPLATE,
      type: 'MicrosoftCustomerAgreement',
    };
    const made = await finalizeEnhanced(sut, pair.partnerId, pair.customerTenantId, body);
    expect(made.status).toBe(201);
    const cancelled = await started(pair);
    expect((await cancelEnhanced(sut, pair.partnerId, cancelled.attestationId)).status).toBe(200);
    const expired = await started(pair);
    await runSql(
      sut.pg,
      sql`UPDATE ${table(ATTESTATION_SCHEMA, 'enhanced_attestations')} SET expires_at = now() - interval '1 second'
           WHERE id = ${expired.attestationId}`,
    );
    await eventsOf(sut, pair.customerTenantId, 'EnhancedAttestationExpired');
    await attestationIdsBeforeMarker(sut, pair);
    const mine = acceptanceEventsFor(sut, pair.customerTenantId).slice(0, -1); // the marker is last
    for (const m of mine)
      expect(validateEvent(m.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    expect(mine.map((m) => [m.json?.eventType, m.json?.data?.attestationId])).toEqual([
      ['EnhancedAttestationStarted', done.attestationId],
      ['EnhancedAttestationAccepted', done.attestationId],
      ['AgreementAttested', made.body.id],
      ['EnhancedAttestationStarted', cancelled.attestationId],
      ['EnhancedAttestationCancelled', cancelled.attestationId],
      ['EnhancedAttestationStarted', expired.attestationId],
      ['EnhancedAttestationExpired', expired.attestationId],
    ]);
    expect(mine.every((m) => m.json?.producer === 'attestation')).toBe(true);
  });

  it('E-06: the system sends the link to nobody: the whole flow writes only its events on agreements.acceptance, and the link only in the partner’s answer and EnhancedAttestationStarted', async () => {
    const pair = await givenRelatedPair(sut);
    const since = await topicEnds(ATTESTATION_TOPICS);
    const one = await started(pair, { autoFinalize: true });
    const token = tokenOf(one.acceptanceUrl);
    expect((await serviceOf(sut).accept(token, typedAs(), context)).outcome).toBe('Accepted');
    await attestationIdsBeforeMarker(sut, pair);
    const written = (await recordedSince(sut, since)).filter((m) => m.key === pair.customerTenantId);
    expect([...new Set(written.map((m) => m.topic))]).toEqual([Topics.AgreementsAcceptance]);
    expect(written.map((m) => m.json?.eventType)).toEqual([
      'EnhancedAttestationStarted',
      'EnhancedAttestationAccepted',
      'AgreementAttested',
      'AgreementAttested', // the marker
    ]);
    const carrying = written.filter((m) => JSON.stringify(m.json).includes(token));
    expect(carrying.map((m) => m.json?.eventType)).toEqual(['EnhancedAttestationStarted']);
  });

  it("E-08: another partner's attestation answers 404 everywhere, the same answer as an unknown id, and is never listed", async () => {
    const owner = await givenRelatedPair(sut);
    const theirs = await started(owner);
    const other = await givenRelatedPair(sut);
    await givenCustomerCreated(sut.producer, other.partnerId, owner.customerTenantId);
    const unknown = await getEnhanced(sut, other.partnerId, randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(610123);

    const read = await getEnhanced(sut, other.partnerId, theirs.attestationId);
    expect(read.status).toBe(404);
    expect(read.body).toEqual(unknown.body);
    const cancel = await cancelEnhanced(sut, other.partnerId, theirs.attestationId);
    expect(cancel.status).toBe(404);
    expect(cancel.body).toEqual(unknown.body);
    const finalize = await finalizeEnhanced(sut, other.partnerId, owner.customerTenantId, {
      attestationId: theirs.attestationId,
      templateId: MCA_TEMPLATE,
      type: 'MicrosoftCustomerAgreement',
    });
    expect(finalize.status).toBe(404);
    expect(finalize.body).toEqual(unknown.body);
    const list = await listEnhanced(sut, other.partnerId, owner.customerTenantId);
    expect(list.body).toMatchObject({ totalCount: 0, items: [] });
    // Still the owner's, untouched.
    expect((await getEnhanced(sut, owner.partnerId, theirs.attestationId)).body.status).toBe('Pending');
  });

  it('E-08: the page of one attestation reveals nothing about any other; a link one character off is unknown', async () => {
    const a = await givenRelatedPair(sut);
    const b = await givenRelatedPair(sut);
    const first = await started(a);
    const second = await started(b, { companyName: 'Fabrikam Inc', signatoryFirstName: 'Alan' });
    const view = await serviceOf(sut).viewByToken(tokenOf(first.acceptanceUrl));
    expect(view?.attestationId).toBe(first.attestationId);
    const shown = JSON.stringify(view);
    for (const secret of [
      second.attestationId,
      b.customerTenantId,
      b.partnerId,
      a.partnerId,
      'Fabrikam',
      'Alan',
    ])
      expect(shown).not.toContain(secret);
    const token = tokenOf(first.acceptanceUrl);
    const offByOne = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(await serviceOf(sut).viewByToken(offByOne)).toBeNull();
    expect(await serviceOf(sut).accept(offByOne, typedAs(), context)).toEqual({ outcome: 'Unknown' });
  });
});
