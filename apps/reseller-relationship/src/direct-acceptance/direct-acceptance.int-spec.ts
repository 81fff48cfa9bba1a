import { randomUUID } from 'crypto';
import { buildEnvelope, Topics } from '@app/contracts';
import { sql } from '@app/messaging';
import { eventually, givenRunningService } from '@app/testing';
import {
  ACCEPTANCE,
  acceptDirectly,
  arrived,
  CLOUD_AGREEMENT_TEMPLATE,
  countRows,
  createdCustomer,
  customerToken,
  directSignedStatus,
  MCA_TEMPLATE,
  minutesAgo,
  partnerToken,
  registeredPartner,
  relationshipService,
  signer,
} from '../relationship.harness';

describe('D-04: the customer accepts the Customer Agreement directly (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-direct-acceptance'));

  it('D-04: records the acceptance and publishes CustomerAgreementAccepted without viaPartnerId; the same acceptance again publishes nothing', async () => {
    const customerTenantId = randomUUID();
    const dateAgreed = minutesAgo(3);
    const body = { dateAgreed, cloud: 'Public', country: 'US' };
    const first = await acceptDirectly(sut, customerTenantId, body);
    const again = await acceptDirectly(sut, customerTenantId, body);

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed,
      signer,
    });
    expect(first.body.viaPartnerId).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);

    // Another acceptance by the same customer is the marker on the same topic and key.
    const markerDate = minutesAgo(1);
    expect((await acceptDirectly(sut, customerTenantId, { dateAgreed: markerDate })).status).toBe(201);
    await arrived(
      sut,
      ACCEPTANCE,
      'CustomerAgreementAccepted',
      (d) => d.customerTenantId === customerTenantId && d.dateAgreed === markerDate,
    );
    const events = sut.recorded(
      ACCEPTANCE,
      'CustomerAgreementAccepted',
      (d) => d.customerTenantId === customerTenantId && d.dateAgreed === dateAgreed,
    );
    expect(events).toHaveLength(1);
    expect(events[0].key).toBe(customerTenantId);
    expect(events[0].json.data).toEqual({
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed,
      signer,
    });
  });

  it("D-04: only a Microsoft Customer Agreement template, dated not in the future, for the caller's own tenant", async () => {
    const customerTenantId = randomUUID();
    const profile = { cloud: 'Public', country: 'US' };
    const cloudAgreement = await acceptDirectly(sut, customerTenantId, {
      ...profile,
      templateId: CLOUD_AGREEMENT_TEMPLATE,
    });
    expect(cloudAgreement.status).toBe(422);
    expect(cloudAgreement.body).toMatchObject({
      code: 610214,
      errorName: 'DirectAcceptanceOnlyForCustomerAgreement',
    });

    const unknown = await acceptDirectly(sut, customerTenantId, { ...profile, templateId: randomUUID() });
    expect(unknown.body).toMatchObject({ code: 610213, errorName: 'TemplateNotFound' });

    const future = await acceptDirectly(sut, customerTenantId, {
      ...profile,
      dateAgreed: new Date(Date.now() + 3600000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({ code: 600002, errorName: 'DateAgreedInFuture' });

    const noZone = await acceptDirectly(sut, customerTenantId, {
      ...profile,
      dateAgreed: '2026-01-01T10:00:00',
    });
    expect(noZone.status).toBe(400);
    expect(noZone.body.parameters.fields).toBe('dateAgreed');

    const someoneElse = await sut
      .http()
      .post(`/v1/customers/${randomUUID()}/agreements/direct`)
      .set('Authorization', await customerToken(customerTenantId))
      .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer, ...profile });
    expect(someoneElse.status).toBe(403);
    expect(someoneElse.body).toMatchObject({ code: 610212, errorName: 'CustomerTenantMismatch' });

    const asPartner = await sut
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements/direct`)
      .set('Authorization', await partnerToken(await registeredPartner(sut)))
      .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer, ...profile });
    expect(asPartner.status).toBe(403);
    expect(asPartner.body.code).toBe(610003);

    expect(await countRows(sut, 'customer_acceptances', sql`customer_tenant_id = ${customerTenantId}`)).toBe(
      0,
    );
  });

  it('D-04, A-07: a customer in a national cloud is refused', async () => {
    const partnerId = await registeredPartner(sut, { cloud: 'China21Vianet' });
    const id = await createdCustomer(sut, partnerId, { country: 'CN' });
    const res = await acceptDirectly(sut, id);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 610215, parameters: { cloud: 'China21Vianet' } });
    expect((await directSignedStatus(sut, partnerId, id)).body).toEqual({ isSigned: false });
  });

  it('D-04: learns new Customer Agreement templates from agreements.templates', async () => {
    const templateId = randomUUID();
    const customerTenantId = randomUUID();
    const profile = { templateId, cloud: 'Public', country: 'US' };
    expect((await acceptDirectly(sut, customerTenantId, profile)).body).toMatchObject({ code: 610213 });
    const published = buildEnvelope(
      'AgreementTemplatePublished',
      {
        templateId,
        agreementType: 'MicrosoftCustomerAgreement',
        versionRank: 0,
        agreementLink: 'https://aka.ms/customeragreement',
        publishedAt: new Date().toISOString(),
      },
      { producer: 'attestation' },
    );
    await sut.producer.send({
      topic: Topics.AgreementsTemplates,
      messages: [{ key: templateId, value: JSON.stringify(published) }],
    });
    const res = await eventually(async () => {
      const r = await acceptDirectly(sut, customerTenantId, profile);
      expect(r.status).toBe(201);
      return r;
    });
    expect(res.body.templateId).toBe(templateId);
  });
});
