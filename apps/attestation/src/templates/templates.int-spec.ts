import { randomUUID } from 'crypto';
import { Topics } from '@app/contracts';
import { bearer, eventually, operatorBearer } from '@app/testing';
import {
  attestationBody,
  CLOUD_AGREEMENT_TEMPLATE,
  givenPartnerRegistered,
  MCA_TEMPLATE,
} from '../attestation.fixtures';
import { attest, givenAttestationService, givenRelatedPair, rowsFor } from '../attestation.harness';

describe('the template catalog and its documents (A-04, A-14, A-15)', () => {
  const sut = givenAttestationService('attestation-templates');

  it('A-04: the catalog holds the two real templates; an unknown template or a mismatched type is refused', async () => {
    const reader = randomUUID();
    await givenPartnerRegistered(sut.producer, reader);
    const catalog = await sut
      .http()
      .get('/v1/agreements')
      .set('Authorization', await bearer({ tenantId: reader, roles: ['SalesAgent'] }));
    expect(catalog.status).toBe(200);
    expect(catalog.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          templateId: MCA_TEMPLATE,
          agreementType: 'MicrosoftCustomerAgreement',
          agreementLink: 'https://aka.ms/customeragreement',
        }),
        expect.objectContaining({
          templateId: CLOUD_AGREEMENT_TEMPLATE,
          agreementType: 'MicrosoftCloudAgreement',
        }),
      ]),
    );
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const unknown = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ templateId: randomUUID() }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 610101, errorName: 'TemplateNotFound' });
    const mismatch = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ type: 'MicrosoftCloudAgreement' }),
    );
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toMatchObject({ code: 610102, errorName: 'TemplateTypeMismatch' });
    expect(await rowsFor(sut, customerTenantId)).toBe(0);
  });

  it('A-04, A-14: a PlatformAdmin publishes a template version; AgreementTemplatePublished is on agreements.templates and the version is attestable', async () => {
    const admin = await operatorBearer(['PlatformAdmin']);
    const templateId = randomUUID();
    const versionRank = 100 + Math.floor(Math.random() * 100000);
    const body = {
      templateId,
      agreementType: 'MicrosoftCustomerAgreement',
      versionRank,
      agreementLink: 'https://aka.ms/customeragreement',
    };
    const published = await sut.http().post('/v1/agreements').set('Authorization', admin).send(body);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ templateId, versionRank });
    const again = await sut.http().post('/v1/agreements').set('Authorization', admin).send(body);
    expect(again.status).toBe(200);
    const rankTaken = await sut
      .http()
      .post('/v1/agreements')
      .set('Authorization', admin)
      .send({ ...body, templateId: randomUUID() });
    expect(rankTaken.status).toBe(409);
    expect(rankTaken.body.code).toBe(610114);
    const notAdmin = await sut
      .http()
      .post('/v1/agreements')
      .set('Authorization', await bearer({ tenantId: randomUUID(), roles: ['AdminAgent'] }))
      .send({ ...body, templateId: randomUUID(), versionRank: versionRank + 1 });
    expect(notAdmin.status).toBe(403);
    await eventually(() => {
      const mine = sut.recorded(
        Topics.AgreementsTemplates,
        'AgreementTemplatePublished',
        (data) => data?.templateId === templateId,
      );
      expect(mine).toHaveLength(1);
      expect(mine[0].json).toMatchObject({ eventType: 'AgreementTemplatePublished', data: { versionRank } });
    });
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    expect((await attest(sut, partnerId, customerTenantId, attestationBody({ templateId }))).status).toBe(
      201,
    );
  });

  it('A-15: the document of a template for a country and language; bad codes and unknown templates are refused', async () => {
    const reader = randomUUID();
    await givenPartnerRegistered(sut.producer, reader);
    const token = await bearer({ tenantId: reader, roles: ['SalesAgent'] });
    const doc = await sut
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document`)
      .query({ language: 'fr-ca', country: 'ca' })
      .set('Authorization', token);
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual({
      displayUri: 'https://aka.ms/customeragreement?lang=fr-CA&country=CA',
      downloadUri: 'https://aka.ms/customeragreement?lang=fr-CA&country=CA&format=pdf',
      language: 'fr-CA',
      country: 'CA',
    });
    const defaults = await sut
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document`)
      .set('Authorization', token);
    expect(defaults.body).toMatchObject({ language: 'en-US', country: 'US' });
    const badLanguage = await sut
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document?language=klingon&country=US`)
      .set('Authorization', token);
    expect(badLanguage.body.code).toBe(610117);
    const badCountry = await sut
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document?language=en&country=XX`)
      .set('Authorization', token);
    expect(badCountry.body.code).toBe(610118);
    const unknown = await sut
      .http()
      .get(`/v1/agreementtemplates/${randomUUID()}/document`)
      .set('Authorization', token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(610121);
  });
});
