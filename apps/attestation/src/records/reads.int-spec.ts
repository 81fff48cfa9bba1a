import { randomUUID } from 'crypto';
import { bearer } from '@app/testing';
import {
  attestationBody,
  givenCustomerCreated,
  givenPartnerRegistered,
  MCA_TEMPLATE,
} from '../attestation.fixtures';
import { attest, givenAttestationService, givenRelatedPair, listFor, withdraw } from '../attestation.harness';

describe("what a partner reads: its attestations, its customers' records, the API description (A-14, A-16)", () => {
  const sut = givenAttestationService('attestation-reads');

  it('A-14: a partner reads its attestations for a customer newest first, filtered by type; * or nothing is every type', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const a = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '2025-01-01T00:00:00Z' }),
    );
    const b = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '2025-02-01T00:00:00Z' }),
    );
    for (const filter of [undefined, '*', 'MicrosoftCustomerAgreement']) {
      const res = await listFor(sut, partnerId, customerTenantId, filter);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ totalCount: 2, attributes: { objectType: 'Collection' } });
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([b.body.id, a.body.id]);
    }
    const cloud = await listFor(sut, partnerId, customerTenantId, 'MicrosoftCloudAgreement');
    expect(cloud.body.totalCount).toBe(0);
    const bad = await listFor(sut, partnerId, customerTenantId, 'Whatever');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(610116);
    const templates = await sut
      .http()
      .get('/v1/agreements')
      .query({ agreementType: 'MicrosoftCustomerAgreement' })
      .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }));
    expect(
      templates.body.items.every(
        (t: { agreementType: string }) => t.agreementType === 'MicrosoftCustomerAgreement',
      ),
    ).toBe(true);
    expect(templates.body.items[0]).toEqual(
      expect.objectContaining({
        templateId: expect.any(String),
        agreementLink: expect.any(String),
        versionRank: expect.any(Number),
      }),
    );
  });

  it('A-16: per customer its last attestation, paged with a continuation token, and as CSV', async () => {
    const partnerId = randomUUID();
    await givenPartnerRegistered(sut.producer, partnerId);
    const customers = Array.from({ length: 5 }, () => randomUUID()).sort();
    for (const c of customers) await givenCustomerCreated(sut.producer, partnerId, c);
    for (const c of customers) expect((await attest(sut, partnerId, c)).status).toBe(201);
    const last = await attest(
      sut,
      partnerId,
      customers[0],
      attestationBody({ attestedBy: 'Last, "the" one' }),
    );
    const token = await bearer({ tenantId: partnerId, roles: ['HelpdeskAgent'] });

    const seen: Array<{ customerTenantId: string; attestationId: string }> = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const res = await sut
        .http()
        .get('/v1/partners/customeragreementrecords')
        .query({ size: '2', ...(continuationToken ? { continuationToken } : {}) })
        .set('Authorization', token);
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      continuationToken = res.body.continuationToken;
      pages++;
    } while (continuationToken);
    expect(pages).toBe(3);
    expect(seen.map((r) => r.customerTenantId)).toEqual(customers);
    expect(seen[0]).toMatchObject({
      attestationId: last.body.id,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      primaryContact: { email: 'ada@contoso.example' },
      status: 'Current',
    });

    const csv = await sut
      .http()
      .get('/v1/partners/customeragreementrecords')
      .set('Accept', 'text/csv')
      .set('Authorization', token);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'customerTenantId,agreementType,templateId,dateAgreed,firstName,lastName,email,phoneNumber,status,attestationId,userId,attestedBy',
    );
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain(customers[0]);
    expect(lines[1].endsWith('"Last, ""the"" one"')).toBe(true);

    const forged = await sut
      .http()
      .get('/v1/partners/customeragreementrecords')
      .query({ continuationToken: 'eyJ2IjoxLCJhZnRlciI6Ind1dCJ9' })
      .set('Authorization', token);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe(610115);
  });

  it("tenant isolation: a partner never sees or changes another partner's attestations", async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    expect((await attest(sut, partnerId, customerTenantId)).status).toBe(201);
    const intruder = randomUUID();
    await givenPartnerRegistered(sut.producer, intruder);
    const list = await listFor(sut, intruder, customerTenantId);
    expect(list.status).toBe(200);
    expect(list.body.totalCount).toBe(0);
    const withdrawal = await withdraw(sut, intruder, customerTenantId, 'hostile');
    expect(withdrawal.status).toBe(404);
    const records = await sut
      .http()
      .get('/v1/partners/customeragreementrecords')
      .set('Authorization', await bearer({ tenantId: intruder, roles: ['AdminAgent'] }));
    expect(records.body.items).toEqual([]);
    expect((await listFor(sut, partnerId, customerTenantId)).body.items[0].status).toBe('Current');
  });

  it('the OpenAPI document describes every route, its body and its errors', async () => {
    const res = await sut.http().get('/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/agreements',
        '/v1/agreementtemplates/{templateId}/document',
        '/v1/customers/{customerTenantId}/agreements',
        '/v1/customers/{customerTenantId}/agreements/withdrawals',
        '/v1/partners/customeragreementrecords',
      ]),
    );
    const attestOp = paths['/v1/customers/{customerTenantId}/agreements'].post;
    expect(Object.keys(attestOp.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '404', '422', '503']),
    );
    expect(attestOp.requestBody).toBeDefined();
    expect(res.body.components.schemas.AttestAgreementDto.required).toEqual(
      expect.arrayContaining(['primaryContact', 'dateAgreed', 'templateId', 'type']),
    );
  });
});
