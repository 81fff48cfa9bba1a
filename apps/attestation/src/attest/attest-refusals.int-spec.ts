import { randomUUID } from 'crypto';
import {
  attestationBody,
  CLOUD_AGREEMENT_TEMPLATE,
  givenCustomerCreated,
  givenPartnerRegistered,
} from '../attestation.fixtures';
import { attest, givenAttestationService, givenRelatedPair, rowsFor } from '../attestation.harness';

describe('attesting: what is refused and why (A-02, A-03, A-05..A-07, T-06)', () => {
  const sut = givenAttestationService('attestation-refusals');

  it('A-02: dateAgreed in the future is 600002; an invalid or zone-less date-time is 400', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const future = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: new Date(Date.now() + 3600000).toISOString() }),
    );
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({
      code: 600002,
      errorName: 'DateAgreedInFuture',
      parameters: { field: 'dateAgreed' },
    });
    expect(future.headers['ms-correlationid']).toBeTruthy();
    for (const dateAgreed of [
      '2026-13-01T00:00:00Z',
      '2025-01-01',
      '2025-01-01T10:00:00',
      'yesterday',
      20250101,
    ]) {
      const bad = await attest(sut, partnerId, customerTenantId, attestationBody({ dateAgreed }));
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe(610001);
    }
    const tooEarly = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '1999-12-31T23:59:59Z' }),
    );
    expect(tooEarly.body).toMatchObject({ code: 610119, errorName: 'DateAgreedTooEarly' });
    const skewed = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: new Date(Date.now() + 60000).toISOString() }),
    );
    expect(skewed.status).toBe(201);
  });

  it('A-03: a malformed email is refused; the phone number is optional', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const bad = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada-at-contoso' },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 610001, errorName: 'InvalidRequestBody' });
    expect(bad.body.parameters.fields).toContain('primaryContact.email');
    const noPhone = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
      }),
    );
    expect(noPhone.status).toBe(201);
    expect(noPhone.body.primaryContact.phoneNumber).toBeUndefined();
  });

  it('T-06: a new Cloud Agreement attestation is refused: the template is retired from 2020-02-01', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const res = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ templateId: CLOUD_AGREEMENT_TEMPLATE, type: 'MicrosoftCloudAgreement' }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 610103, errorName: 'TemplateRetired' });
    expect(res.body.description).toMatch(/Microsoft Customer Agreement/);
  });

  it('A-05: only AdminAgent and SalesAgent attest; others get 403, no token 401', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    for (const roles of [['HelpdeskAgent'], ['Auditor'], ['PlatformAdmin'], ['Customer']]) {
      const res = await attest(sut, partnerId, customerTenantId, attestationBody(), { roles });
      expect(res.status).toBe(403);
    }
    const anonymous = await sut
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .send(attestationBody());
    expect(anonymous.status).toBe(401);
    expect(
      (await attest(sut, partnerId, customerTenantId, attestationBody(), { roles: ['SalesAgent'] })).status,
    ).toBe(201);
    expect(await rowsFor(sut, customerTenantId)).toBe(1);
  });

  it('A-06: an indirect reseller is told to ask its indirect provider; the provider attests', async () => {
    const reseller = randomUUID();
    const customerTenantId = randomUUID();
    await givenPartnerRegistered(sut.producer, reseller, 'IndirectReseller');
    await givenCustomerCreated(sut.producer, reseller, customerTenantId);
    const refused = await attest(sut, reseller, customerTenantId);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 610105, errorName: 'IndirectResellerCannotAttest' });
    expect(refused.body.description).toMatch(/indirect provider/);
    const provider = await givenRelatedPair(sut, 'IndirectProvider');
    expect((await attest(sut, provider.partnerId, provider.customerTenantId)).status).toBe(201);
  });

  it('A-07: a partner or a customer in a national cloud is refused', async () => {
    const govPartner = randomUUID();
    const customer = randomUUID();
    await givenPartnerRegistered(sut.producer, govPartner, 'DirectBill', 'UsGovernment');
    await givenCustomerCreated(sut.producer, govPartner, customer);
    const partnerRefused = await attest(sut, govPartner, customer);
    expect(partnerRefused.status).toBe(422);
    expect(partnerRefused.body).toMatchObject({
      code: 610106,
      parameters: { party: 'partner', cloud: 'UsGovernment' },
    });

    const partnerId = randomUUID();
    const germanCustomer = randomUUID();
    await givenPartnerRegistered(sut.producer, partnerId);
    await givenCustomerCreated(sut.producer, partnerId, germanCustomer, 'Germany');
    const customerRefused = await attest(sut, partnerId, germanCustomer);
    expect(customerRefused.status).toBe(422);
    expect(customerRefused.body).toMatchObject({
      code: 610107,
      parameters: { party: 'customer', cloud: 'Germany' },
    });
  });
});
