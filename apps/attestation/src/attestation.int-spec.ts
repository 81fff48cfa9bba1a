import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@app/contracts';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
  operatorBearer,
} from '@app/testing';
import { AttestationModule } from './attestation.module';
import {
  attestationBody,
  CLOUD_AGREEMENT_TEMPLATE,
  givenCustomerCreated,
  givenPartnerRegistered,
  givenRelationshipAccepted,
  givenRelationshipTerminated,
  MCA_TEMPLATE,
} from './attestation.fixtures';

describe('attestation service (real database and broker)', () => {
  const kafka = testKafka('attestation-int');
  let db: TestDatabase;
  let service: RunningService;
  let pg: Client;
  let producer: Producer;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    db = await createTestDatabase('attestation_int');
    service = await startService('attestation', (c) => AttestationModule.forRoot(c, {}, {}), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('attestation'),
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    producer = await connectedProducer(kafka);
    recorder = await new TopicRecorder(kafka, [
      Topics.AgreementsAcceptance,
      Topics.AgreementsTemplates,
    ]).start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await producer?.disconnect();
    await pg?.end();
    await service?.close();
    await db?.drop();
  });

  /** A direct-bill partner that created a customer: the ordinary case. */
  async function givenRelatedPair(partnerType: 'DirectBill' | 'IndirectProvider' = 'DirectBill') {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    await givenPartnerRegistered(producer, partnerId, partnerType);
    await givenCustomerCreated(producer, partnerId, customerTenantId);
    return { partnerId, customerTenantId };
  }

  async function attest(
    partnerId: string,
    customerTenantId: string,
    body: object = attestationBody(),
    opts: { roles?: string[]; userId?: string; requestId?: string } = {},
  ) {
    const req = service
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .set(
        'Authorization',
        await bearer({ tenantId: partnerId, roles: opts.roles ?? ['AdminAgent'], userId: opts.userId }),
      );
    if (opts.requestId) req.set('MS-RequestId', opts.requestId);
    return req.send(body);
  }

  async function listFor(partnerId: string, customerTenantId: string, agreementType?: string) {
    const req = service
      .http()
      .get(`/v1/customers/${customerTenantId}/agreements`)
      .set('Authorization', await bearer({ tenantId: partnerId, roles: ['SalesAgent'] }));
    if (agreementType !== undefined) req.query({ agreementType });
    return req;
  }

  async function rowsFor(customerTenantId: string): Promise<number> {
    const { rows } = await pg.query(
      `SELECT count(*)::int AS n FROM attestation.attestations WHERE customer_tenant_id = $1`,
      [customerTenantId],
    );
    return rows[0].n;
  }

  const acceptanceEventsFor = (customerTenantId: string) =>
    recorder.on(Topics.AgreementsAcceptance).filter((m) => m.key === customerTenantId);

  it('A-01: a related partner attests; 201 with the stored agreement and the token user; AgreementAttested is on its topic before the answer', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const userId = randomUUID();
    const res = await attest(partnerId, customerTenantId, attestationBody({ userId: randomUUID() }), {
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
    const { rows: pending } = await pg.query(
      `SELECT count(*)::int AS n FROM attestation.outbox o JOIN attestation.attestations a ON a.event_id = o.id WHERE a.id = $1`,
      [res.body.id],
    );
    expect(pending[0].n).toBe(0);
    const event = await eventually(() => {
      const mine = acceptanceEventsFor(customerTenantId);
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

  it('A-02: dateAgreed in the future is 600002; an invalid or zone-less date-time is 400', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const future = await attest(
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
      const bad = await attest(partnerId, customerTenantId, attestationBody({ dateAgreed }));
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe(610001);
    }
    const tooEarly = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '1999-12-31T23:59:59Z' }),
    );
    expect(tooEarly.body).toMatchObject({ code: 610119, errorName: 'DateAgreedTooEarly' });
    const skewed = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: new Date(Date.now() + 60000).toISOString() }),
    );
    expect(skewed.status).toBe(201);
  });

  it('A-03: a malformed email is refused; the phone number is optional', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const bad = await attest(
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
      partnerId,
      customerTenantId,
      attestationBody({
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
      }),
    );
    expect(noPhone.status).toBe(201);
    expect(noPhone.body.primaryContact.phoneNumber).toBeUndefined();
  });

  it('A-04: the catalog holds the two real templates; an unknown template or a mismatched type is refused', async () => {
    const reader = randomUUID();
    await givenPartnerRegistered(producer, reader);
    const catalog = await service
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
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const unknown = await attest(partnerId, customerTenantId, attestationBody({ templateId: randomUUID() }));
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 610101, errorName: 'TemplateNotFound' });
    const mismatch = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ type: 'MicrosoftCloudAgreement' }),
    );
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toMatchObject({ code: 610102, errorName: 'TemplateTypeMismatch' });
    expect(await rowsFor(customerTenantId)).toBe(0);
  });

  it('T-06: a new Cloud Agreement attestation is refused: the template is retired from 2020-02-01', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const res = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ templateId: CLOUD_AGREEMENT_TEMPLATE, type: 'MicrosoftCloudAgreement' }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 610103, errorName: 'TemplateRetired' });
    expect(res.body.description).toMatch(/Microsoft Customer Agreement/);
  });

  it('A-05: only AdminAgent and SalesAgent attest; others get 403, no token 401', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    for (const roles of [['HelpdeskAgent'], ['Auditor'], ['PlatformAdmin'], ['Customer']]) {
      const res = await attest(partnerId, customerTenantId, attestationBody(), { roles });
      expect(res.status).toBe(403);
    }
    const anonymous = await service
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .send(attestationBody());
    expect(anonymous.status).toBe(401);
    expect(
      (await attest(partnerId, customerTenantId, attestationBody(), { roles: ['SalesAgent'] })).status,
    ).toBe(201);
    expect(await rowsFor(customerTenantId)).toBe(1);
  });

  it('A-06: an indirect reseller is told to ask its indirect provider; the provider attests', async () => {
    const reseller = randomUUID();
    const customerTenantId = randomUUID();
    await givenPartnerRegistered(producer, reseller, 'IndirectReseller');
    await givenCustomerCreated(producer, reseller, customerTenantId);
    const refused = await attest(reseller, customerTenantId);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 610105, errorName: 'IndirectResellerCannotAttest' });
    expect(refused.body.description).toMatch(/indirect provider/);
    const provider = await givenRelatedPair('IndirectProvider');
    expect((await attest(provider.partnerId, provider.customerTenantId)).status).toBe(201);
  });

  it('A-07: a partner or a customer in a national cloud is refused', async () => {
    const govPartner = randomUUID();
    const customer = randomUUID();
    await givenPartnerRegistered(producer, govPartner, 'DirectBill', 'UsGovernment');
    await givenCustomerCreated(producer, govPartner, customer);
    const partnerRefused = await attest(govPartner, customer);
    expect(partnerRefused.status).toBe(422);
    expect(partnerRefused.body).toMatchObject({
      code: 610106,
      parameters: { party: 'partner', cloud: 'UsGovernment' },
    });

    const partnerId = randomUUID();
    const germanCustomer = randomUUID();
    await givenPartnerRegistered(producer, partnerId);
    await givenCustomerCreated(producer, partnerId, germanCustomer, 'Germany');
    const customerRefused = await attest(partnerId, germanCustomer);
    expect(customerRefused.status).toBe(422);
    expect(customerRefused.body).toMatchObject({
      code: 610107,
      parameters: { party: 'customer', cloud: 'Germany' },
    });
  });

  it('A-08: an exact repeat returns the existing record and records nothing; a changed one supersedes it, which stays in history; each partner attests for itself', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const body = attestationBody();
    const first = await attest(partnerId, customerTenantId, body);
    expect(first.status).toBe(201);
    const repeat = await attest(partnerId, customerTenantId, body);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(await rowsFor(customerTenantId)).toBe(1);

    const newer = await attest(
      partnerId,
      customerTenantId,
      attestationBody({
        primaryContact: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' },
      }),
    );
    expect(newer.status).toBe(201);
    const history = await listFor(partnerId, customerTenantId);
    expect(history.body.items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([
      [newer.body.id, 'Current'],
      [first.body.id, 'Superseded'],
    ]);

    const otherPartner = randomUUID();
    await givenPartnerRegistered(producer, otherPartner);
    await givenRelationshipAccepted(producer, otherPartner, customerTenantId);
    const theirs = await attest(otherPartner, customerTenantId, body);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    await eventually(() => expect(acceptanceEventsFor(customerTenantId)).toHaveLength(3));
  });

  it('A-09: a partner attests for an existing customer at any time, with no order involved', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const earlier = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '2021-06-01T00:00:00Z' }),
    );
    expect(earlier.status).toBe(201);
    expect(earlier.body.dateAgreed).toBe('2021-06-01T00:00:00.000Z');
  });

  it('A-10: nobody is notified: only the documented events are written, and the contact only stored', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    expect((await attest(partnerId, customerTenantId)).status).toBe(201);
    const { rows } = await pg.query(`SELECT DISTINCT topic, event_type FROM attestation.outbox`);
    expect(rows).toEqual([]);
    await eventually(() => expect(acceptanceEventsFor(customerTenantId)).toHaveLength(1));
    const types = new Set(
      recorder.messages.filter((m) => m.json?.producer === 'attestation').map((m) => m.json.eventType),
    );
    for (const type of types) {
      expect(['AgreementAttested', 'AgreementAttestationWithdrawn', 'AgreementTemplatePublished']).toContain(
        type,
      );
    }
  });

  it('A-11: an optional attestedBy names the real person beside the designated userId', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const userId = randomUUID();
    const res = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ attestedBy: 'Jordan Smith (sales desk)' }),
      { userId },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId, attestedBy: 'Jordan Smith (sales desk)' });
    const event = await eventually(() => {
      const mine = acceptanceEventsFor(customerTenantId);
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(event.json.data).toMatchObject({ userId, attestedBy: 'Jordan Smith (sales desk)' });
  });

  it('A-12: the partner withdraws; AgreementAttestationWithdrawn is published and the record stays as Withdrawn', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const attested = await attest(partnerId, customerTenantId);
    const token = await bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
    const withdraw = () =>
      service
        .http()
        .post(`/v1/customers/${customerTenantId}/agreements/withdrawals`)
        .set('Authorization', token)
        .send({ type: 'MicrosoftCustomerAgreement', reason: 'The customer revoked its acceptance.' });
    const res = await withdraw();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      attestationId: attested.body.id,
      customerTenantId,
      type: 'MicrosoftCustomerAgreement',
    });
    const event = await eventually(() => {
      const mine = acceptanceEventsFor(customerTenantId).filter(
        (m) => m.json.eventType === 'AgreementAttestationWithdrawn',
      );
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(event.json.data).toMatchObject({
      attestationId: attested.body.id,
      partnerId,
      reason: 'The customer revoked its acceptance.',
    });
    const history = await listFor(partnerId, customerTenantId);
    expect(history.body.items[0]).toMatchObject({ id: attested.body.id, status: 'Withdrawn' });
    const again = await withdraw();
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ code: 610112, errorName: 'NoAttestationToWithdraw' });
    // Attesting again after a withdrawal makes a new current attestation.
    expect((await attest(partnerId, customerTenantId)).status).toBe(201);
  });

  it('A-13: the same MS-RequestId returns the first answer byte for byte and records and publishes once, even for simultaneous requests', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const requestId = randomUUID();
    const body = attestationBody();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => attest(partnerId, customerTenantId, body, { requestId })),
    );
    const first = answers[0];
    expect(first.status).toBe(201);
    for (const answer of answers) {
      expect(answer.status).toBe(first.status);
      expect(answer.text).toBe(first.text);
    }
    const later = await attest(partnerId, customerTenantId, body, { requestId });
    expect(later.status).toBe(201);
    expect(later.text).toBe(first.text);
    expect(await rowsFor(customerTenantId)).toBe(1);

    const reused = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ attestedBy: 'someone else' }),
      { requestId },
    );
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 610111, errorName: 'RequestIdReused' });

    // Another partner's identical key is its own.
    const other = await givenRelatedPair();
    expect((await attest(other.partnerId, other.customerTenantId, body, { requestId })).status).toBe(201);

    const marker = await attest(partnerId, customerTenantId, attestationBody({ attestedBy: 'marker' }));
    expect(marker.status).toBe(201);
    await eventually(() => expect(acceptanceEventsFor(customerTenantId)).toHaveLength(2));
    expect(acceptanceEventsFor(customerTenantId).map((m) => m.json.data.attestationId)).toEqual([
      first.body.id,
      marker.body.id,
    ]);
  });

  it('A-14: a partner reads its attestations for a customer newest first, filtered by type; * or nothing is every type', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    const a = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '2025-01-01T00:00:00Z' }),
    );
    const b = await attest(
      partnerId,
      customerTenantId,
      attestationBody({ dateAgreed: '2025-02-01T00:00:00Z' }),
    );
    for (const filter of [undefined, '*', 'MicrosoftCustomerAgreement']) {
      const res = await listFor(partnerId, customerTenantId, filter);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ totalCount: 2, attributes: { objectType: 'Collection' } });
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([b.body.id, a.body.id]);
    }
    const cloud = await listFor(partnerId, customerTenantId, 'MicrosoftCloudAgreement');
    expect(cloud.body.totalCount).toBe(0);
    const bad = await listFor(partnerId, customerTenantId, 'Whatever');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(610116);
    const templates = await service
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

  it('A-15: the document of a template for a country and language; bad codes and unknown templates are refused', async () => {
    const reader = randomUUID();
    await givenPartnerRegistered(producer, reader);
    const token = await bearer({ tenantId: reader, roles: ['SalesAgent'] });
    const doc = await service
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
    const defaults = await service
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document`)
      .set('Authorization', token);
    expect(defaults.body).toMatchObject({ language: 'en-US', country: 'US' });
    const badLanguage = await service
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document?language=klingon&country=US`)
      .set('Authorization', token);
    expect(badLanguage.body.code).toBe(610117);
    const badCountry = await service
      .http()
      .get(`/v1/agreementtemplates/${MCA_TEMPLATE}/document?language=en&country=XX`)
      .set('Authorization', token);
    expect(badCountry.body.code).toBe(610118);
    const unknown = await service
      .http()
      .get(`/v1/agreementtemplates/${randomUUID()}/document`)
      .set('Authorization', token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(610121);
  });

  it('A-16: per customer its last attestation, paged with a continuation token, and as CSV', async () => {
    const partnerId = randomUUID();
    await givenPartnerRegistered(producer, partnerId);
    const customers = Array.from({ length: 5 }, () => randomUUID()).sort();
    for (const c of customers) await givenCustomerCreated(producer, partnerId, c);
    for (const c of customers) expect((await attest(partnerId, c)).status).toBe(201);
    const last = await attest(partnerId, customers[0], attestationBody({ attestedBy: 'Last, "the" one' }));
    const token = await bearer({ tenantId: partnerId, roles: ['HelpdeskAgent'] });

    const seen: Array<{ customerTenantId: string; attestationId: string }> = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const res = await service
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

    const csv = await service
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

    const forged = await service
      .http()
      .get('/v1/partners/customeragreementrecords')
      .query({ continuationToken: 'eyJ2IjoxLCJhZnRlciI6Ind1dCJ9' })
      .set('Authorization', token);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe(610115);
  });

  it("A-17: unknown partner, unknown customer, another partner's customer and a terminated relationship are clear 4xx; a customer created a moment ago is attestable at once", async () => {
    const stranger = randomUUID();
    const unknownPartner = await attest(stranger, randomUUID());
    expect(unknownPartner.status).toBe(403);
    expect(unknownPartner.body).toMatchObject({ code: 610030, errorName: 'PartnerNotRegistered' });

    const { partnerId, customerTenantId } = await givenRelatedPair();
    const unknownCustomer = await attest(partnerId, randomUUID());
    expect(unknownCustomer.status).toBe(404);
    expect(unknownCustomer.body).toMatchObject({ code: 610109, errorName: 'CustomerNotFound' });

    const otherPartner = randomUUID();
    await givenPartnerRegistered(producer, otherPartner);
    const notTheirs = await attest(otherPartner, customerTenantId);
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body).toMatchObject({ code: 610110, errorName: 'NoActiveResellerRelationship' });

    // A termination is honoured once applied; only the refusing direction waits for the copy.
    await givenRelationshipTerminated(producer, partnerId, customerTenantId);
    await eventually(async () => {
      const { rows } = await pg.query(
        `SELECT active FROM attestation.relationships WHERE partner_id = $1 AND customer_tenant_id = $2`,
        [partnerId, customerTenantId],
      );
      expect(rows[0].active).toBe(false);
    });
    const terminated = await attest(partnerId, customerTenantId);
    expect(terminated.status).toBe(403);
    expect(terminated.body.code).toBe(610110);

    // Created and attested in one go (the dashboard flow): no waiting between the two.
    for (let i = 0; i < 5; i++) {
      const fresh = randomUUID();
      const freshCustomer = randomUUID();
      await givenPartnerRegistered(producer, fresh);
      await givenCustomerCreated(producer, fresh, freshCustomer);
      const res = await attest(fresh, freshCustomer);
      expect(res.status).toBe(201);
    }
  });

  it('A-17: with ATTESTATION_REQUIRE_RELATIONSHIP=false, a partner no relationship event introduced may attest', async () => {
    const relaxed = await startService(
      'attestation',
      (c) => AttestationModule.forRoot(c, {}, { ATTESTATION_REQUIRE_RELATIONSHIP: 'false' }),
      { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('attestation-relaxed') },
    );
    try {
      // Registered (S-03), but related to no customer.
      const partnerId = randomUUID();
      await givenPartnerRegistered(producer, partnerId);
      const res = await relaxed
        .http()
        .post(`/v1/customers/${randomUUID()}/agreements`)
        .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
        .send(attestationBody());
      expect(res.status).toBe(201);
    } finally {
      await relaxed.close();
    }
  });

  it("tenant isolation: a partner never sees or changes another partner's attestations", async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair();
    expect((await attest(partnerId, customerTenantId)).status).toBe(201);
    const intruder = randomUUID();
    await givenPartnerRegistered(producer, intruder);
    const list = await listFor(intruder, customerTenantId);
    expect(list.status).toBe(200);
    expect(list.body.totalCount).toBe(0);
    const withdraw = await service
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements/withdrawals`)
      .set('Authorization', await bearer({ tenantId: intruder, roles: ['AdminAgent'] }))
      .send({ type: 'MicrosoftCustomerAgreement', reason: 'hostile' });
    expect(withdraw.status).toBe(404);
    const records = await service
      .http()
      .get('/v1/partners/customeragreementrecords')
      .set('Authorization', await bearer({ tenantId: intruder, roles: ['AdminAgent'] }));
    expect(records.body.items).toEqual([]);
    expect((await listFor(partnerId, customerTenantId)).body.items[0].status).toBe('Current');
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
    const published = await service.http().post('/v1/agreements').set('Authorization', admin).send(body);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ templateId, versionRank });
    const again = await service.http().post('/v1/agreements').set('Authorization', admin).send(body);
    expect(again.status).toBe(200);
    const rankTaken = await service
      .http()
      .post('/v1/agreements')
      .set('Authorization', admin)
      .send({ ...body, templateId: randomUUID() });
    expect(rankTaken.status).toBe(409);
    expect(rankTaken.body.code).toBe(610114);
    const notAdmin = await service
      .http()
      .post('/v1/agreements')
      .set('Authorization', await bearer({ tenantId: randomUUID(), roles: ['AdminAgent'] }))
      .send({ ...body, templateId: randomUUID(), versionRank: versionRank + 1 });
    expect(notAdmin.status).toBe(403);
    await eventually(() => {
      const mine = recorder
        .on(Topics.AgreementsTemplates)
        .filter((m) => m.json?.data?.templateId === templateId);
      expect(mine).toHaveLength(1);
      expect(mine[0].json).toMatchObject({ eventType: 'AgreementTemplatePublished', data: { versionRank } });
    });
    const { partnerId, customerTenantId } = await givenRelatedPair();
    expect((await attest(partnerId, customerTenantId, attestationBody({ templateId }))).status).toBe(201);
  });

  it('the OpenAPI document describes every route, its body and its errors', async () => {
    const res = await service.http().get('/docs-json');
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
