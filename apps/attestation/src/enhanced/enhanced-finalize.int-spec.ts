import { randomUUID } from 'crypto';
import { Topics, validateEvent } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import {
  attestationBody,
  CLOUD_AGREEMENT_TEMPLATE,
  givenCustomerCreated,
  MCA_TEMPLATE,
} from '../attestation.fixtures';
import {
  attest,
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
  listFor,
} from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';
import {
  cancelEnhanced,
  context,
  eventsOf,
  finalizeEnhanced,
  getEnhanced,
  serviceOf,
  SIGNATORY,
  startBody,
  startEnhanced,
  tokenOf,
  typedAs,
} from './enhanced.harness';

const finalizeBody = (attestationId: string, over: Record<string, unknown> = {}) => ({
  attestationId,
  templateId: MCA_TEMPLATE,
  type: 'MicrosoftCustomerAgreement',
  ...over,
});

describe('finalizing an enhanced attestation (E-04)', () => {
  const sut = givenAttestationService('attestation-enhanced-finalize');

  async function started(over: Record<string, unknown> = {}) {
    const pair = await givenRelatedPair(sut);
    const res = await startEnhanced(sut, pair.partnerId, startBody(pair.customerTenantId, over));
    expect(res.status).toBe(201);
    return {
      ...pair,
      attestationId: res.body.attestationId as string,
      token: tokenOf(res.body.acceptanceUrl),
    };
  }

  async function accepted(over: Record<string, unknown> = {}) {
    const s = await started(over);
    const result = await serviceOf(sut).accept(s.token, typedAs(), context);
    expect(result.outcome).toBe('Accepted');
    return { ...s, acceptedAt: result.outcome === 'Accepted' ? result.view.acceptedAt! : '' };
  }

  it('E-04: finalizing an accepted attestation makes the partner attestation: contact and dateAgreed from the acceptance, AgreementAttested with attestationSource Enhanced and the attestation id', async () => {
    const { partnerId, customerTenantId, attestationId, acceptedAt } = await accepted();
    const res = await finalizeEnhanced(sut, partnerId, customerTenantId, finalizeBody(attestationId));
    expect(res.status).toBe(201);
    const contact = { ...SIGNATORY, phoneNumber: '+1 425 555 0199' };
    expect(res.body).toEqual({
      id: expect.any(String),
      userId: expect.any(String),
      primaryContact: contact,
      templateId: MCA_TEMPLATE,
      dateAgreed: acceptedAt,
      type: 'MicrosoftCustomerAgreement',
      attestationSource: 'Enhanced',
      enhancedAttestationId: attestationId,
      evidenceHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const [event] = await eventsOf(sut, customerTenantId, 'AgreementAttested');
    expect(validateEvent(event.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    expect(event.json.data).toMatchObject({
      attestationId: res.body.id,
      partnerId,
      customerTenantId,
      dateAgreed: acceptedAt,
      primaryContact: contact,
      attestationSource: 'Enhanced',
      enhancedAttestationId: attestationId,
    });
    const read = await getEnhanced(sut, partnerId, attestationId);
    expect(read.body).toMatchObject({
      status: 'Finalized',
      agreementId: res.body.id,
      finalizedAt: expect.any(String),
    });
    expect(read.body.evidence.evidenceHash).toBe(res.body.evidenceHash);
    const list = await listFor(sut, partnerId, customerTenantId);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: res.body.id,
        status: 'Current',
        attestationSource: 'Enhanced',
        enhancedAttestationId: attestationId,
      }),
    ]);
  });

  it('E-04: finalizing twice is idempotent: 200 with the same record, nothing new recorded or published', async () => {
    const pair = await accepted();
    const first = await finalizeEnhanced(
      sut,
      pair.partnerId,
      pair.customerTenantId,
      finalizeBody(pair.attestationId),
    );
    expect(first.status).toBe(201);
    const again = await finalizeEnhanced(
      sut,
      pair.partnerId,
      pair.customerTenantId,
      finalizeBody(pair.attestationId),
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const ids = await attestationIdsBeforeMarker(sut, pair);
    expect(ids.filter((id) => id === first.body.id)).toHaveLength(1);
  });

  it('E-04: refusals with their own codes: 409 not yet accepted, 410 expired or cancelled, 404 unknown, another partner’s or another customer’s, 422 another template or type', async () => {
    const pending = await started();
    const notYet = await finalizeEnhanced(
      sut,
      pending.partnerId,
      pending.customerTenantId,
      finalizeBody(pending.attestationId),
    );
    expect(notYet.status).toBe(409);
    expect(notYet.body).toMatchObject({ code: 610124, errorName: 'EnhancedAttestationNotAccepted' });

    const cancelled = await started();
    expect((await cancelEnhanced(sut, cancelled.partnerId, cancelled.attestationId)).status).toBe(200);
    const gone = await finalizeEnhanced(
      sut,
      cancelled.partnerId,
      cancelled.customerTenantId,
      finalizeBody(cancelled.attestationId),
    );
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe(610126);

    const expired = await started({ expiresInMinutes: 5 });
    await runSql(
      sut.pg,
      sql`UPDATE ${table(ATTESTATION_SCHEMA, 'enhanced_attestations')} SET expires_at = now() - interval '1 second'
           WHERE id = ${expired.attestationId}`,
    );
    const late = await finalizeEnhanced(
      sut,
      expired.partnerId,
      expired.customerTenantId,
      finalizeBody(expired.attestationId),
    );
    expect(late.status).toBe(410);
    expect(late.body.code).toBe(610125);

    const mine = await accepted();
    const unknown = await finalizeEnhanced(
      sut,
      mine.partnerId,
      mine.customerTenantId,
      finalizeBody(randomUUID()),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(610123);

    // Another partner related to the same customer cannot finalize it.
    const other = await givenRelatedPair(sut);
    await givenCustomerCreated(sut.producer, other.partnerId, mine.customerTenantId);
    const foreign = await finalizeEnhanced(
      sut,
      other.partnerId,
      mine.customerTenantId,
      finalizeBody(mine.attestationId),
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);

    const otherCustomer = await finalizeEnhanced(
      sut,
      mine.partnerId,
      other.customerTenantId,
      finalizeBody(mine.attestationId),
    );
    expect(otherCustomer.status).toBe(404);

    const wrongTemplate = await finalizeEnhanced(
      sut,
      mine.partnerId,
      mine.customerTenantId,
      finalizeBody(mine.attestationId, { templateId: CLOUD_AGREEMENT_TEMPLATE }),
    );
    expect(wrongTemplate.status).toBe(422);
    expect(wrongTemplate.body.code).toBe(610128);
    const wrongType = await finalizeEnhanced(
      sut,
      mine.partnerId,
      mine.customerTenantId,
      finalizeBody(mine.attestationId, { type: 'MicrosoftCloudAgreement' }),
    );
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.code).toBe(610102);

    // None of those made an agreement.
    const stillAccepted = await getEnhanced(sut, mine.partnerId, mine.attestationId);
    expect(stillAccepted.body.status).toBe('Accepted');
  });

  it('E-04: a bad finalize body is a 400 naming the field', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const res = await finalizeEnhanced(sut, partnerId, customerTenantId, {
      attestationId: 'nope',
      type: 'X',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(610001);
    expect(res.body.parameters.fields.split(',').sort()).toEqual(['attestationId', 'templateId', 'type']);
    const mixed = await finalizeEnhanced(sut, partnerId, customerTenantId, {
      ...attestationBody(),
      attestationId: randomUUID(),
    });
    expect(mixed.status).toBe(400);
  });

  it('E-04: asked at start, automatic finalization makes the agreement on acceptance, in the same transaction', async () => {
    const { partnerId, customerTenantId, attestationId, token } = await started({ autoFinalize: true });
    const result = await serviceOf(sut).accept(token, typedAs(), context);
    expect(result.outcome).toBe('Accepted');
    const read = await getEnhanced(sut, partnerId, attestationId);
    expect(read.body).toMatchObject({ status: 'Finalized', agreementId: expect.any(String) });
    const [event] = await eventsOf(sut, customerTenantId, 'AgreementAttested');
    expect(event.json.data).toMatchObject({
      attestationId: read.body.agreementId,
      attestationSource: 'Enhanced',
      enhancedAttestationId: attestationId,
      userId: read.body.userId,
    });
    // Finalizing it by hand afterwards answers the same record.
    const again = await finalizeEnhanced(sut, partnerId, customerTenantId, finalizeBody(attestationId));
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(read.body.agreementId);
  });

  it('E-04: a legacy attestation now says attestationSource Legacy', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const res = await attest(sut, partnerId, customerTenantId, attestationBody());
    expect(res.status).toBe(201);
    const [event] = await eventsOf(sut, customerTenantId, 'AgreementAttested');
    expect(event.json.data).toMatchObject({ attestationId: res.body.id, attestationSource: 'Legacy' });
    expect(event.json.data.enhancedAttestationId).toBeUndefined();
    const list = await listFor(sut, partnerId, customerTenantId);
    expect(list.body.items[0]).toMatchObject({ id: res.body.id, attestationSource: 'Legacy' });
    expect(list.body.items[0].enhancedAttestationId).toBeUndefined();
  });
});
