import { randomUUID } from 'crypto';
import type { QueryResult } from 'pg';
import { Topics, validateEvent } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { eventually } from '@app/testing';
import {
  attestationBody,
  givenPartnerRegistered,
  givenRelationshipAccepted,
  MCA_TEMPLATE,
} from '../attestation.fixtures';
import {
  acceptanceEventsFor,
  attest,
  ATTESTATION_TOPICS,
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
  listFor,
  recordedSince,
  rowsFor,
  topicEnds,
} from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';

describe('attesting: what is recorded and published (A-01, A-08..A-11)', () => {
  const sut = givenAttestationService('attestation-attest');

  it('A-01: a related partner attests; 201 with the stored agreement and the token user; AgreementAttested is on its topic before the answer', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const userId = randomUUID();
    const res = await attest(sut, partnerId, customerTenantId, attestationBody({ userId: randomUUID() }), {
      userId,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      userId,
      templateId: MCA_TEMPLATE,
      type: 'MicrosoftCustomerAgreement',
      primaryContact: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@contoso.example',
        phoneNumber: '+1 425 555 0100',
      },
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    // Answered only once published: nothing of it is left in the outbox.
    const { rows: pending } = await runSql<QueryResult<{ n: number }>>(
      sut.pg,
      sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'outbox')} o
            JOIN ${table(ATTESTATION_SCHEMA, 'attestations')} a ON a.event_id = o.id
           WHERE a.id = ${res.body.id}`,
    );
    expect(pending[0].n).toBe(0);
    const event = await eventually(() => {
      const mine = acceptanceEventsFor(sut, customerTenantId);
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(event.json).toMatchObject({
      eventType: 'AgreementAttested',
      producer: 'attestation',
      data: {
        attestationId: res.body.id,
        partnerId,
        customerTenantId,
        userId,
        channel: 'Api',
        templateId: MCA_TEMPLATE,
      },
    });
  });

  it('A-08: an exact repeat returns the existing record and records nothing; a changed one supersedes it, which stays in history; each partner attests for itself', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const body = attestationBody();
    const first = await attest(sut, partnerId, customerTenantId, body);
    expect(first.status).toBe(201);
    const repeat = await attest(sut, partnerId, customerTenantId, body);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(await rowsFor(sut, customerTenantId)).toBe(1);

    const newer = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({
        primaryContact: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' },
      }),
    );
    expect(newer.status).toBe(201);
    const history = await listFor(sut, partnerId, customerTenantId);
    expect(history.body.items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([
      [newer.body.id, 'Current'],
      [first.body.id, 'Superseded'],
    ]);

    const otherPartner = randomUUID();
    await givenPartnerRegistered(sut.producer, otherPartner);
    await givenRelationshipAccepted(sut.producer, otherPartner, customerTenantId);
    const theirs = await attest(sut, otherPartner, customerTenantId, body);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    // The repeat published nothing: counted once a later marker on the same key has arrived.
    expect(await attestationIdsBeforeMarker(sut, { partnerId: otherPartner, customerTenantId })).toEqual([
      first.body.id,
      newer.body.id,
      theirs.body.id,
    ]);
  });

  it('A-09: a partner attests for an existing customer at any time, with no order involved', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const earlier = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '2021-06-01T00:00:00Z' }),
    );
    expect(earlier.status).toBe(201);
    expect(earlier.body.dateAgreed).toBe('2021-06-01T00:00:00.000Z');
  });

  // Mail, SMS and HTTP are ruled out by no-notification.spec.ts and the sinks test; this is about events.
  it('A-10: nobody is notified: of every topic the service may write (topic-access.json), an attestation puts only its AgreementAttested, a contract event, on agreements.acceptance', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const correlationId = randomUUID();
    const email = `ada+${randomUUID()}@contoso.example`;
    const since = await topicEnds(ATTESTATION_TOPICS);
    const res = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email } }),
      { correlationId },
    );
    expect(res.status).toBe(201);
    // Other files' services write these topics too: this request's messages name its correlation id,
    // its partner, its customer, its contact or its attestation.
    const ours = [correlationId, partnerId, customerTenantId, email, res.body.id];
    const written = (await recordedSince(sut, since)).filter(
      (m) => m.key === customerTenantId || ours.some((word) => m.value?.includes(word)),
    );
    expect(written.map((m) => [m.topic, m.json?.eventType])).toEqual([
      [Topics.AgreementsAcceptance, 'AgreementAttested'],
    ]);
    expect(validateEvent(written[0].json, { topic: Topics.AgreementsAcceptance })).toMatchObject({
      ok: true,
    });
    expect(written[0].json.data).toMatchObject({ attestationId: res.body.id, primaryContact: { email } });
  });

  it('A-11: an optional attestedBy names the real person beside the designated userId', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const userId = randomUUID();
    const res = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ attestedBy: 'Jordan Smith (sales desk)' }),
      { userId },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId, attestedBy: 'Jordan Smith (sales desk)' });
    const event = await eventually(() => {
      const mine = acceptanceEventsFor(sut, customerTenantId);
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(event.json.data).toMatchObject({ userId, attestedBy: 'Jordan Smith (sales desk)' });
  });
});
