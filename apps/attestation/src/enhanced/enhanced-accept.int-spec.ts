import { createHash } from 'crypto';
import type { QueryResult } from 'pg';
import { Topics, validateEvent } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { MCA_TEMPLATE } from '../attestation.fixtures';
import {
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
} from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';
import { canonicalJson } from './evidence';
import {
  context,
  eventsOf,
  getEnhanced,
  serviceOf,
  SHOWN_TEXT_HASH,
  SIGNATORY,
  startBody,
  startEnhanced,
  tokenOf,
  typedAs,
} from './enhanced.harness';

const evidence = table(ATTESTATION_SCHEMA, 'enhanced_attestation_evidence');

async function evidenceRows(sut: ReturnType<typeof givenAttestationService>, attestationId: string) {
  const { rows } = await runSql<QueryResult<Record<string, unknown>>>(
    sut.pg,
    sql`SELECT * FROM ${evidence} WHERE attestation_id = ${attestationId}`,
  );
  return rows;
}

describe('accepting an enhanced attestation (E-03), through the service the page calls', () => {
  const sut = givenAttestationService('attestation-enhanced-accept');

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

  it('E-03: the page shows the attestation it was opened for, with the document link for its country and language (A-15)', async () => {
    const { attestationId, token } = await started({ country: 'jp', language: 'ja-JP' });
    const view = await serviceOf(sut).viewByToken(token);
    expect(view).toEqual({
      attestationId,
      status: 'Pending',
      companyName: 'Contoso Ltd',
      signatoryFirstName: SIGNATORY.firstName,
      signatoryLastName: SIGNATORY.lastName,
      country: 'JP',
      language: 'ja-JP',
      templateId: MCA_TEMPLATE,
      agreementLink: 'https://aka.ms/customeragreement?lang=ja-JP&country=JP',
      expiresAt: expect.any(String),
    });
  });

  it('E-03: accepting records the evidence record (time, client, template and link, language, country, what was typed, the shown text hash), seals it with a SHA-256, sets Accepted and emits EnhancedAttestationAccepted without contact data', async () => {
    const { partnerId, customerTenantId, attestationId, token } = await started();
    const typed = typedAs({
      signatoryFirstName: '  grace ',
      signatoryLastName: 'HOPPER',
      signatoryEmail: 'Grace@Contoso.Example',
    });
    const result = await serviceOf(sut).accept(token, typed, context);
    expect(result.outcome).toBe('Accepted');
    if (result.outcome !== 'Accepted') return;
    expect(result.view).toMatchObject({
      status: 'Accepted',
      acceptedAt: expect.any(String),
      acceptedByName: 'grace HOPPER',
    });

    const [row] = await evidenceRows(sut, attestationId);
    const record = {
      attestationId,
      acceptedAt: result.view.acceptedAt,
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
      templateId: MCA_TEMPLATE,
      agreementLink: 'https://aka.ms/customeragreement?lang=en-US&country=US',
      language: 'en-US',
      country: 'US',
      typedFirstName: 'grace',
      typedLastName: 'HOPPER',
      typedEmail: 'Grace@Contoso.Example',
      shownTextHash: SHOWN_TEXT_HASH,
    };
    expect(JSON.parse(row.record as string)).toEqual(record);
    expect(row.record).toBe(canonicalJson(record));
    const hash = createHash('sha256').update(canonicalJson(record)).digest('hex');
    expect(row.evidence_hash).toBe(hash);

    const read = await getEnhanced(sut, partnerId, attestationId);
    expect(read.body).toMatchObject({
      status: 'Accepted',
      acceptedAt: result.view.acceptedAt,
      evidence: { evidenceHash: hash, shownTextHash: SHOWN_TEXT_HASH, templateId: MCA_TEMPLATE },
    });

    const [event] = await eventsOf(sut, customerTenantId, 'EnhancedAttestationAccepted');
    expect(validateEvent(event.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    expect(event.json.data).toEqual({
      attestationId,
      partnerId,
      customerTenantId,
      acceptedAt: result.view.acceptedAt,
      evidenceHash: hash,
      evidence: {
        templateId: MCA_TEMPLATE,
        agreementLink: record.agreementLink,
        language: 'en-US',
        country: 'US',
        shownTextHash: SHOWN_TEXT_HASH,
      },
    });
    expect(JSON.stringify(event.json)).not.toMatch(/grace|hopper|203\.0\.113|Mozilla/i);
  });

  it('E-03: a link accepts once: a second submission answers the recorded acceptance and records nothing new', async () => {
    const pair = await started();
    const first = await serviceOf(sut).accept(pair.token, typedAs(), context);
    expect(first.outcome).toBe('Accepted');
    const again = await serviceOf(sut).accept(
      pair.token,
      typedAs({ signatoryFirstName: 'Someone', accept: false }),
      { ...context, clientAddress: '198.51.100.1' },
    );
    expect(again).toEqual({
      outcome: 'AlreadyAccepted',
      view: first.outcome === 'Accepted' ? first.view : undefined,
    });
    expect(await evidenceRows(sut, pair.attestationId)).toHaveLength(1);
    const ids = await attestationIdsBeforeMarker(sut, pair);
    // Started and Accepted, once each.
    expect(ids.filter((id) => id === pair.attestationId)).toHaveLength(2);
  });

  it('E-03: two submissions at once: one is Accepted, the other AlreadyAccepted, one evidence record', async () => {
    const pair = await started();
    const results = await Promise.all([
      serviceOf(sut).accept(pair.token, typedAs(), context),
      serviceOf(sut).accept(pair.token, typedAs(), context),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['Accepted', 'AlreadyAccepted']);
    expect(await evidenceRows(sut, pair.attestationId)).toHaveLength(1);
    await eventsOf(sut, pair.customerTenantId, 'EnhancedAttestationAccepted');
    const ids = await attestationIdsBeforeMarker(sut, pair);
    expect(ids.filter((id) => id === pair.attestationId)).toHaveLength(2);
  });

  it('E-03: names or email other than the signatory it was opened for, or no explicit acceptance, are Invalid and record nothing', async () => {
    const { partnerId, attestationId, token } = await started();
    const accept = serviceOf(sut).accept.bind(serviceOf(sut));
    expect(await accept(token, typedAs({ signatoryFirstName: 'Ada' }), context)).toEqual({
      outcome: 'Invalid',
      problems: [{ field: 'signatoryFirstName', code: 'DoesNotMatch' }],
    });
    expect(
      await accept(
        token,
        typedAs({ signatoryLastName: ' ', signatoryEmail: 'grace@other.example', accept: false }),
        context,
      ),
    ).toEqual({
      outcome: 'Invalid',
      problems: [
        { field: 'signatoryLastName', code: 'Required' },
        { field: 'signatoryEmail', code: 'DoesNotMatch' },
        { field: 'accept', code: 'MustAccept' },
      ],
    });
    expect(await evidenceRows(sut, attestationId)).toHaveLength(0);
    expect((await getEnhanced(sut, partnerId, attestationId)).body.status).toBe('Pending');
  });

  it('E-03: an unknown or malformed link is Unknown and reveals nothing', async () => {
    const service = serviceOf(sut);
    expect(await service.viewByToken('A'.repeat(43))).toBeNull();
    expect(await service.viewByToken('../etc/passwd')).toBeNull();
    expect(await service.accept('A'.repeat(43), typedAs(), context)).toEqual({ outcome: 'Unknown' });
    expect(await service.accept('', typedAs(), context)).toEqual({ outcome: 'Unknown' });
  });
});
