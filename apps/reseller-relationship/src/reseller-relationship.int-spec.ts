import { randomBytes, randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { buildEnvelope, isGuid, Topics, validateEvent } from '@app/contracts';
import { OutboxRelay } from '@app/messaging';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  RecordedMessage,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
  operatorBearer,
} from '@app/testing';
import { signInvitationToken } from './invitations/invitation-token';
import { InvitationTokens } from './invitations/invitation-tokens';
import { ResellerRelationshipModule } from './reseller-relationship.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const CLOUD_AGREEMENT_TEMPLATE = '998b88de-aa99-4388-a42c-1b3517d49490';
const INVITATION_BASE_URL = 'https://invite.example/v1/invitations';
const RELATIONSHIPS = Topics.PartnersRelationships;
const ACCEPTANCE = Topics.AgreementsAcceptance;

const partnerBearer = (tenantId: string, roles = ['AdminAgent']) => bearer({ tenantId, roles });
const customer = (customerTenantId: string) => bearer({ tenantId: customerTenantId, roles: ['Customer'] });
const signer = { firstName: 'Alex', lastName: 'Wilber', email: 'alex.wilber@fabrikam.example' };
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60000).toISOString();

describe('reseller-relationship service (real broker, real database)', () => {
  const kafka = testKafka('reseller-relationship-int');
  let db: TestDatabase;
  let service: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    db = await createTestDatabase('reseller_relationship_int');
    service = await startService(
      'reseller-relationship',
      (config) => ResellerRelationshipModule.forRoot(config, { INVITATION_BASE_URL }),
      { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('reseller-relationship') },
    );
    recorder = await new TopicRecorder(kafka, [RELATIONSHIPS, ACCEPTANCE]).start();
    producer = await connectedProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await recorder?.stop();
    await service?.close();
    await db?.drop();
  });

  const http = () => service.http();

  /** Tenants registered as partners in this file: only registered partners act (S-03). */
  const registeredPartners = new Set<string>();

  /** A partner user's token; the tenant is first registered (DirectBill, Public) unless a test registered it. */
  async function partner(tenantId: string, roles = ['AdminAgent']) {
    if (!registeredPartners.has(tenantId)) expect((await register(tenantId, 'DirectBill')).status).toBe(201);
    return partnerBearer(tenantId, roles);
  }
  const dataSource = () => service.app.get(DataSource);

  /** Messages recorded on `topic` of one type, for which `match` holds. */
  const recorded = (topic: string, eventType: string, match: (data: any) => boolean): RecordedMessage[] =>
    recorder.on(topic).filter((m) => m.json?.eventType === eventType && match(m.json.data));

  /** Waits until exactly one such message arrived, and returns it. */
  const oneRecorded = (topic: string, eventType: string, match: (data: any) => boolean) =>
    eventually(() => {
      const found = recorded(topic, eventType, match);
      expect(found).toHaveLength(1);
      return found[0];
    });

  /** Registers the partner once, through the real path (S-03); its cloud is its customers' (S-01). */
  async function ensureRegistered(partnerId: string, cloud = 'Public') {
    if (registeredPartners.has(partnerId)) return;
    expect((await register(partnerId, 'DirectBill', cloud)).status).toBe(201);
  }

  async function createCustomer(
    partnerId: string,
    overrides: Record<string, unknown> = {},
    requestId?: string,
  ) {
    await ensureRegistered(partnerId);
    const req = http()
      .post('/v1/customers')
      .set('Authorization', await partner(partnerId));
    if (requestId) req.set('MS-RequestId', requestId);
    return req.send({
      companyProfile: { companyName: 'Fabrikam' },
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' },
      country: 'US',
      ...overrides,
    });
  }

  async function invite(partnerId: string) {
    await ensureRegistered(partnerId);
    const res = await http()
      .get('/v1/customers/relationshiprequests')
      .set('Authorization', await partner(partnerId));
    expect(res.status).toBe(200);
    return res.body as { url: string; token: string; expiresAt: string; invitationId: string };
  }

  async function accept(token: string, customerTenantId: string, body: Record<string, unknown>) {
    return http()
      .post(`/v1/invitations/${token}/accept`)
      .set('Authorization', await customer(customerTenantId))
      .send(body);
  }

  async function status(partnerId: string, customerTenantId: string) {
    return http()
      .get(`/v1/customers/${customerTenantId}/directSignedMicrosoftCustomerAgreementStatus`)
      .set('Authorization', await partner(partnerId));
  }

  async function terminate(partnerId: string, customerTenantId: string, reason?: string) {
    return http()
      .delete(`/v1/customers/${customerTenantId}/relationship`)
      .query(reason ? { reason } : {})
      .set('Authorization', await partner(partnerId));
  }

  async function acceptDirectly(customerTenantId: string, body: Record<string, unknown> = {}) {
    return http()
      .post(`/v1/customers/${customerTenantId}/agreements/direct`)
      .set('Authorization', await customer(customerTenantId))
      .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer, ...body });
  }

  async function register(id: string, partnerType: string, cloud = 'Public') {
    const res = await http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send({ id, name: `Partner ${partnerType}`, partnerType, cloud });
    if (res.status === 201) registeredPartners.add(id);
    return res;
  }

  async function relationshipOf(partnerId: string, customerTenantId: string) {
    const [row] = await dataSource().query(
      `SELECT status FROM reseller_relationship.relationships WHERE partner_id = $1 AND customer_tenant_id = $2`,
      [partnerId, customerTenantId],
    );
    return row?.status as string | undefined;
  }

  describe('D-01: a partner creates a customer tenant', () => {
    it('D-01: creates the customer with a generated id, establishes the relationship and publishes CustomerTenantCreated', async () => {
      const partnerId = randomUUID();
      const res = await createCustomer(partnerId, { country: 'de' });

      expect(res.status).toBe(201);
      expect(isGuid(res.body.id)).toBe(true);
      expect(res.body).toMatchObject({
        companyProfile: { companyName: 'Fabrikam' },
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' },
        cloud: 'Public',
        country: 'DE',
        partnerId,
      });
      const event = await oneRecorded(
        RELATIONSHIPS,
        'CustomerTenantCreated',
        (d) => d.customerTenantId === res.body.id,
      );
      expect(event.key).toBe(res.body.id);
      expect(event.json.data).toEqual({
        customerTenantId: res.body.id,
        partnerId,
        companyName: 'Fabrikam',
        cloud: 'Public',
        country: 'DE',
      });
      expect(event.value).not.toContain('ada@fabrikam.example');
      expect((await status(partnerId, res.body.id)).body).toEqual({ isSigned: false });
    });

    it('D-01: a retry with the same MS-RequestId answers the same customer and publishes nothing twice; the same request id for another customer is refused', async () => {
      const partnerId = randomUUID();
      const requestId = `create-${randomUUID()}`;
      const first = await createCustomer(partnerId, {}, requestId);
      const retry = await createCustomer(partnerId, {}, requestId);

      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      const other = await createCustomer(
        partnerId,
        { companyProfile: { companyName: 'Contoso' } },
        requestId,
      );
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({ code: 610220, errorName: 'RequestIdReused' });
      const id = first.body.id;
      await terminate(partnerId, id, 'marker');
      await oneRecorded(RELATIONSHIPS, 'ResellerRelationshipTerminated', (d) => d.customerTenantId === id);
      expect(recorded(RELATIONSHIPS, 'CustomerTenantCreated', (d) => d.partnerId === partnerId)).toHaveLength(
        1,
      );
    });

    it('D-01: refuses an invalid body field by field, and a customer token', async () => {
      const bad = await createCustomer(randomUUID(), {
        cloud: 'Mars',
        country: 'XX',
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada-at-fabrikam' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 610001, errorName: 'InvalidRequestBody' });
      expect(bad.body.parameters.fields.split(',').sort()).toEqual(
        ['cloud', 'country', 'primaryContact.email'].sort(),
      );
      expect(bad.body.description).not.toContain('ada-at-fabrikam');

      const asCustomer = await http()
        .post('/v1/customers')
        .set('Authorization', await customer(randomUUID()))
        .send({});
      expect(asCustomer.status).toBe(403);
      expect(asCustomer.body).toMatchObject({ code: 610003, errorName: 'Forbidden' });
    });
  });

  describe('D-02: a partner asks an existing customer for a relationship', () => {
    it('D-02: answers a signed, expiring invitation URL and publishes ResellerRelationshipRequested without the token', async () => {
      const partnerId = randomUUID();
      const before = Date.now();
      const invitation = await invite(partnerId);

      expect(invitation.url).toBe(`${INVITATION_BASE_URL}/${invitation.token}`);
      expect(invitation).toMatchObject({ attributes: { objectType: 'RelationshipRequest' } });
      expect(Date.parse(invitation.expiresAt)).toBeGreaterThan(before + 24 * 3600 * 1000);
      expect(invitation.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect((await invite(partnerId)).token).not.toBe(invitation.token);

      const event = await oneRecorded(
        RELATIONSHIPS,
        'ResellerRelationshipRequested',
        (d) => d.invitationId === invitation.invitationId,
      );
      expect(event.key).toBe(partnerId);
      expect(event.json.data).toEqual({
        invitationId: invitation.invitationId,
        partnerId,
        expiresAt: invitation.expiresAt,
      });
      expect(event.value).not.toContain(invitation.token.split('.')[1]);
    });

    it('D-02: only an AdminAgent of a partner asks; a customer token cannot', async () => {
      const asCustomer = await http()
        .get('/v1/customers/relationshiprequests')
        .set('Authorization', await customer(randomUUID()));
      expect(asCustomer.status).toBe(403);
      expect(asCustomer.body.code).toBe(610003);
      const asHelpdesk = await http()
        .get('/v1/customers/relationshiprequests')
        .set('Authorization', await partner(randomUUID(), ['HelpdeskAgent']));
      expect(asHelpdesk.status).toBe(403);
    });
  });

  describe('D-03: the customer accepts the invitation, and may accept the Customer Agreement with it', () => {
    it('D-03: establishes the relationship and records the direct acceptance, with both events keyed by the customer', async () => {
      const partnerId = randomUUID();
      const customerTenantId = randomUUID();
      const invitation = await invite(partnerId);

      const res = await accept(invitation.token, customerTenantId, {
        acceptCustomerAgreement: true,
        signer,
        cloud: 'Public',
        country: 'fr',
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        invitationId: invitation.invitationId,
        partnerId,
        customerTenantId,
        cloud: 'Public',
        country: 'FR',
        customerAgreement: {
          customerTenantId,
          agreementType: 'MicrosoftCustomerAgreement',
          templateId: MCA_TEMPLATE,
          signer,
          viaPartnerId: partnerId,
        },
      });
      const accepted = await oneRecorded(
        RELATIONSHIPS,
        'ResellerRelationshipAccepted',
        (d) => d.invitationId === invitation.invitationId,
      );
      expect(accepted.key).toBe(customerTenantId);
      expect(accepted.json.data).toEqual({
        invitationId: invitation.invitationId,
        partnerId,
        customerTenantId,
        acceptedAt: res.body.acceptedAt,
        cloud: 'Public',
        country: 'FR',
      });
      const agreement = await oneRecorded(
        ACCEPTANCE,
        'CustomerAgreementAccepted',
        (d) => d.customerTenantId === customerTenantId,
      );
      expect(agreement.key).toBe(customerTenantId);
      expect(agreement.json.data).toMatchObject({
        templateId: MCA_TEMPLATE,
        signer,
        viaPartnerId: partnerId,
      });
      expect((await status(partnerId, customerTenantId)).body).toEqual({ isSigned: true });
    });

    it('D-03: accepting the same invitation twice is harmless: the same answer, nothing published again', async () => {
      const partnerId = randomUUID();
      const customerTenantId = randomUUID();
      const invitation = await invite(partnerId);
      const body = { acceptCustomerAgreement: true, signer, cloud: 'Public', country: 'US' };
      const first = await accept(invitation.token, customerTenantId, body);
      const second = await accept(invitation.token, customerTenantId, body);

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);

      // Markers on the same topics and key: once they arrive, anything published before them has too.
      await terminate(partnerId, customerTenantId, 'marker');
      await acceptDirectly(customerTenantId, { dateAgreed: minutesAgo(2) });
      await oneRecorded(
        RELATIONSHIPS,
        'ResellerRelationshipTerminated',
        (d) => d.customerTenantId === customerTenantId,
      );
      await eventually(() =>
        expect(
          recorded(ACCEPTANCE, 'CustomerAgreementAccepted', (d) => d.customerTenantId === customerTenantId),
        ).toHaveLength(2),
      );
      expect(
        recorded(
          RELATIONSHIPS,
          'ResellerRelationshipAccepted',
          (d) => d.invitationId === invitation.invitationId,
        ),
      ).toHaveLength(1);
      expect(
        recorded(
          ACCEPTANCE,
          'CustomerAgreementAccepted',
          (d) => d.customerTenantId === customerTenantId && d.viaPartnerId,
        ),
      ).toHaveLength(1);
    });

    it('D-03: a replayed token (used by another customer) is refused and changes nothing', async () => {
      const partnerId = randomUUID();
      const firstCustomer = randomUUID();
      const secondCustomer = randomUUID();
      const invitation = await invite(partnerId);
      expect(
        (
          await accept(invitation.token, firstCustomer, {
            acceptCustomerAgreement: false,
            cloud: 'Public',
            country: 'US',
          })
        ).status,
      ).toBe(200);

      const replay = await accept(invitation.token, secondCustomer, {
        acceptCustomerAgreement: true,
        signer,
        cloud: 'Public',
        country: 'US',
      });

      expect(replay.status).toBe(409);
      expect(replay.body).toMatchObject({ code: 610208, errorName: 'InvitationAlreadyUsed' });
      expect(await relationshipOf(partnerId, secondCustomer)).toBeUndefined();
      const rows = await dataSource().query(`SELECT 1 FROM reseller_relationship.customers WHERE id = $1`, [
        secondCustomer,
      ]);
      expect(rows).toHaveLength(0);
    });

    it('D-03: a forged token is refused as invalid, and an expired one as expired; neither changes anything', async () => {
      const partnerId = randomUUID();
      const customerTenantId = randomUUID();
      const invitation = await invite(partnerId);
      const tokens = service.app.get(InvitationTokens);
      const body = { acceptCustomerAgreement: false, cloud: 'Public', country: 'US' };

      const otherKey = signInvitationToken(randomBytes(32), {
        invitationId: invitation.invitationId,
        partnerId,
        expiresAt: new Date(invitation.expiresAt),
      });
      const [payload, signature] = invitation.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const otherPartner = `${Buffer.from(JSON.stringify({ ...claims, pid: randomUUID() })).toString('base64url')}.${signature}`;
      for (const forged of [otherKey, otherPartner, `${payload}.${signature.slice(0, -2)}AA`, 'garbage']) {
        const res = await accept(forged, customerTenantId, body);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 610206,
          errorName: 'InvitationTokenInvalid',
          isRetryable: false,
        });
      }

      const expired = tokens.sign({
        invitationId: invitation.invitationId,
        partnerId,
        expiresAt: new Date(Date.now() - 60000),
      });
      const late = await accept(expired, customerTenantId, body);
      expect(late.status).toBe(422);
      expect(late.body).toMatchObject({ code: 610207, errorName: 'InvitationExpired' });

      expect(await relationshipOf(partnerId, customerTenantId)).toBeUndefined();
      const unknown = tokens.sign({
        invitationId: randomUUID(),
        partnerId,
        expiresAt: new Date(Date.now() + 60000),
      });
      expect((await accept(unknown, customerTenantId, body)).body.code).toBe(610209);
      expect((await accept(invitation.token, customerTenantId, body)).status).toBe(200);
    });

    it("D-03: a partner token cannot accept on the customer's behalf; a signer is needed to accept the agreement", async () => {
      const partnerId = randomUUID();
      const invitation = await invite(partnerId);
      const asPartner = await http()
        .post(`/v1/invitations/${invitation.token}/accept`)
        .set('Authorization', await partner(partnerId))
        .send({ acceptCustomerAgreement: false });
      expect(asPartner.status).toBe(403);
      expect(asPartner.body).toMatchObject({ code: 610003, errorName: 'Forbidden' });
      expect(asPartner.body.description).toMatch(/partner token cannot act as a customer/);

      const noSigner = await accept(invitation.token, randomUUID(), {
        acceptCustomerAgreement: true,
        cloud: 'Public',
        country: 'US',
      });
      expect(noSigner.status).toBe(400);
      expect(noSigner.body.parameters.fields).toBe('signer');
    });

    it('D-03: an unknown tenant must give its country; a known one keeps the recorded cloud and country', async () => {
      const creator = randomUUID();
      const inviter = randomUUID();
      const known = (await createCustomer(creator, { country: 'NL' })).body.id;

      const missing = await accept((await invite(inviter)).token, randomUUID(), {
        acceptCustomerAgreement: false,
      });
      expect(missing.status).toBe(422);
      expect(missing.body).toMatchObject({ code: 610210, parameters: { fields: 'country' } });

      const contradicting = await accept((await invite(inviter)).token, known, {
        acceptCustomerAgreement: false,
        country: 'BE',
      });
      expect(contradicting.body).toMatchObject({ code: 610211, parameters: { field: 'country' } });

      const ok = await accept((await invite(inviter)).token, known, { acceptCustomerAgreement: false });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ cloud: 'Public', country: 'NL', partnerId: inviter });
      expect(ok.body.customerAgreement).toBeUndefined();
      expect(await relationshipOf(inviter, known)).toBe('Active');
      expect(await relationshipOf(creator, known)).toBe('Active');
    });

    it('D-03, A-07: a national-cloud customer cannot accept the agreement with the invitation; the refusal changes nothing', async () => {
      const partnerId = randomUUID();
      const customerTenantId = randomUUID();
      await ensureRegistered(partnerId, 'UsGovernment');
      const invitation = await invite(partnerId);
      const body = { acceptCustomerAgreement: true, signer, cloud: 'UsGovernment', country: 'US' };

      const refused = await accept(invitation.token, customerTenantId, body);
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 610215, errorName: 'NationalCloudNotSupported' });
      expect(await relationshipOf(partnerId, customerTenantId)).toBeUndefined();

      const relationshipOnly = await accept(invitation.token, customerTenantId, {
        ...body,
        acceptCustomerAgreement: false,
      });
      expect(relationshipOnly.status).toBe(200);
      expect(relationshipOnly.body.cloud).toBe('UsGovernment');
    });
  });

  describe('D-04: the customer accepts the Customer Agreement directly', () => {
    it('D-04: records the acceptance and publishes CustomerAgreementAccepted without viaPartnerId; the same acceptance again publishes nothing', async () => {
      const customerTenantId = randomUUID();
      const dateAgreed = minutesAgo(3);
      const body = { dateAgreed, cloud: 'Public', country: 'US' };
      const first = await acceptDirectly(customerTenantId, body);
      const again = await acceptDirectly(customerTenantId, body);

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

      await acceptDirectly(customerTenantId, { dateAgreed: minutesAgo(1) });
      await eventually(() =>
        expect(
          recorded(ACCEPTANCE, 'CustomerAgreementAccepted', (d) => d.customerTenantId === customerTenantId),
        ).toHaveLength(2),
      );
      const [event] = recorded(
        ACCEPTANCE,
        'CustomerAgreementAccepted',
        (d) => d.dateAgreed === dateAgreed && d.customerTenantId === customerTenantId,
      );
      expect(event.key).toBe(customerTenantId);
      expect(event.json.data).toEqual({
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
      const cloudAgreement = await acceptDirectly(customerTenantId, {
        ...profile,
        templateId: CLOUD_AGREEMENT_TEMPLATE,
      });
      expect(cloudAgreement.status).toBe(422);
      expect(cloudAgreement.body).toMatchObject({
        code: 610214,
        errorName: 'DirectAcceptanceOnlyForCustomerAgreement',
      });

      const unknown = await acceptDirectly(customerTenantId, { ...profile, templateId: randomUUID() });
      expect(unknown.body).toMatchObject({ code: 610213, errorName: 'TemplateNotFound' });

      const future = await acceptDirectly(customerTenantId, {
        ...profile,
        dateAgreed: new Date(Date.now() + 3600000).toISOString(),
      });
      expect(future.status).toBe(400);
      expect(future.body).toMatchObject({ code: 600002, errorName: 'DateAgreedInFuture' });

      const noZone = await acceptDirectly(customerTenantId, {
        ...profile,
        dateAgreed: '2026-01-01T10:00:00',
      });
      expect(noZone.status).toBe(400);
      expect(noZone.body.parameters.fields).toBe('dateAgreed');

      const someoneElse = await http()
        .post(`/v1/customers/${randomUUID()}/agreements/direct`)
        .set('Authorization', await customer(customerTenantId))
        .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer, ...profile });
      expect(someoneElse.status).toBe(403);
      expect(someoneElse.body).toMatchObject({ code: 610212, errorName: 'CustomerTenantMismatch' });

      const asPartner = await http()
        .post(`/v1/customers/${customerTenantId}/agreements/direct`)
        .set('Authorization', await partner(randomUUID()))
        .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer, ...profile });
      expect(asPartner.status).toBe(403);
      expect(asPartner.body.code).toBe(610003);

      const rows = await dataSource().query(
        `SELECT 1 FROM reseller_relationship.customer_acceptances WHERE customer_tenant_id = $1`,
        [customerTenantId],
      );
      expect(rows).toHaveLength(0);
    });

    it('D-04, A-07: a customer in a national cloud is refused', async () => {
      const partnerId = randomUUID();
      await ensureRegistered(partnerId, 'China21Vianet');
      const id = (await createCustomer(partnerId, { country: 'CN' })).body.id;
      const res = await acceptDirectly(id);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 610215, parameters: { cloud: 'China21Vianet' } });
      expect((await status(partnerId, id)).body).toEqual({ isSigned: false });
    });

    it('D-04: learns new Customer Agreement templates from agreements.templates', async () => {
      const templateId = randomUUID();
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
      await producer.send({
        topic: Topics.AgreementsTemplates,
        messages: [{ key: templateId, value: JSON.stringify(published) }],
      });
      const customerTenantId = randomUUID();
      const res = await eventually(async () => {
        const r = await acceptDirectly(customerTenantId, { templateId, cloud: 'Public', country: 'US' });
        expect(r.status).toBe(201);
        return r;
      });
      expect(res.body.templateId).toBe(templateId);
    });
  });

  describe('D-05: the direct-signed status, for partners with an active relationship only', () => {
    it('D-05: answers isSigned to the related partner, before and after the customer accepts', async () => {
      const partnerId = randomUUID();
      const id = (await createCustomer(partnerId)).body.id;
      expect((await status(partnerId, id)).body).toEqual({ isSigned: false });
      expect((await acceptDirectly(id)).status).toBe(201);
      const res = await status(partnerId, id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ isSigned: true });
    });

    it("D-05: partner B cannot read the status of partner A's customer, nor of an unknown one; a customer token cannot either", async () => {
      const partnerA = randomUUID();
      const partnerB = randomUUID();
      const id = (await createCustomer(partnerA)).body.id;

      for (const customerTenantId of [id, randomUUID()]) {
        const res = await status(partnerB, customerTenantId);
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ code: 610216, errorName: 'NoActiveRelationship' });
      }
      const asCustomer = await http()
        .get(`/v1/customers/${id}/directSignedMicrosoftCustomerAgreementStatus`)
        .set('Authorization', await customer(id));
      expect(asCustomer.status).toBe(403);
      expect(asCustomer.body.code).toBe(610003);
      expect((await status(partnerA, 'not-a-guid')).status).toBe(400);
    });
  });

  describe('D-06: a direct acceptance follows the customer', () => {
    it('D-06: one acceptance by the customer is signed for every partner related to it, and names no partner', async () => {
      const creator = randomUUID();
      const inviter = randomUUID();
      const id = (await createCustomer(creator)).body.id;
      expect(
        (await accept((await invite(inviter)).token, id, { acceptCustomerAgreement: false })).status,
      ).toBe(200);

      const res = await acceptDirectly(id);
      expect(res.status).toBe(201);

      expect((await status(creator, id)).body).toEqual({ isSigned: true });
      expect((await status(inviter, id)).body).toEqual({ isSigned: true });
      const event = await oneRecorded(
        ACCEPTANCE,
        'CustomerAgreementAccepted',
        (d) => d.customerTenantId === id,
      );
      expect(event.json.data.viaPartnerId).toBeUndefined();
      expect(event.json.data).not.toHaveProperty('partnerId');
    });
  });

  describe('D-07: indirect providers link their resellers', () => {
    it('D-07: registers partners and links a reseller to its provider, once', async () => {
      const provider = randomUUID();
      const reseller = randomUUID();
      expect((await register(provider, 'IndirectProvider')).status).toBe(201);
      const registered = await register(reseller, 'IndirectReseller');
      expect(registered.body).toMatchObject({
        id: reseller,
        partnerType: 'IndirectReseller',
        cloud: 'Public',
      });
      const partnerEvent = await oneRecorded(
        RELATIONSHIPS,
        'PartnerRegistered',
        (d) => d.partnerId === reseller,
      );
      expect(partnerEvent.key).toBe(reseller);

      const link = async () =>
        http()
          .post('/v1/indirect-resellers')
          .set('Authorization', await partner(provider))
          .send({ resellerPartnerId: reseller });
      const first = await link();
      const again = await link();
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ providerPartnerId: provider, resellerPartnerId: reseller });
      expect(again.body).toEqual(first.body);

      await invite(provider);
      await oneRecorded(RELATIONSHIPS, 'ResellerRelationshipRequested', (d) => d.partnerId === provider);
      const linked = recorded(
        RELATIONSHIPS,
        'IndirectResellerLinked',
        (d) => d.providerPartnerId === provider,
      );
      expect(linked).toHaveLength(1);
      expect(linked[0].key).toBe(provider);
      expect(linked[0].json.data).toEqual({
        providerPartnerId: provider,
        resellerPartnerId: reseller,
        linkedAt: first.body.linkedAt,
      });
    });

    it('D-07: only a registered indirect provider links, and only a registered indirect reseller', async () => {
      const provider = randomUUID();
      const directBill = randomUUID();
      const reseller = randomUUID();
      await register(provider, 'IndirectProvider');
      await register(directBill, 'DirectBill');
      await register(reseller, 'IndirectReseller');
      const link = async (caller: string, resellerPartnerId: string) =>
        http()
          .post('/v1/indirect-resellers')
          .set('Authorization', await partner(caller))
          .send({ resellerPartnerId });

      expect((await link(directBill, reseller)).body).toMatchObject({
        code: 610203,
        errorName: 'NotAnIndirectProvider',
      });
      expect((await link(reseller, reseller)).status).toBe(403);
      const unregistered = randomUUID();
      const byUnregistered = await http()
        .post('/v1/indirect-resellers')
        .set('Authorization', await partnerBearer(unregistered))
        .send({ resellerPartnerId: reseller });
      expect(byUnregistered.body).toMatchObject({ code: 610030, errorName: 'PartnerNotRegistered' });
      expect((await link(provider, directBill)).body).toMatchObject({
        code: 610205,
        errorName: 'NotAnIndirectReseller',
      });
      expect((await link(provider, randomUUID())).body).toMatchObject({
        code: 610204,
        errorName: 'ResellerNotRegistered',
      });
      const rows = await dataSource().query(
        `SELECT 1 FROM reseller_relationship.indirect_reseller_links WHERE provider_partner_id = $1`,
        [provider],
      );
      expect(rows).toHaveLength(0);
    });

    it('D-07: only a PlatformAdmin registers partners; a partner is not re-registered with other facts', async () => {
      const id = randomUUID();
      const notAdmin = await http()
        .post('/v1/partners')
        .set('Authorization', await partnerBearer(id))
        .send({ id, name: 'Me', partnerType: 'IndirectProvider', cloud: 'Public' });
      expect(notAdmin.status).toBe(403);
      expect((await register(id, 'IndirectReseller')).status).toBe(201);
      expect((await register(id, 'IndirectReseller')).status).toBe(201);
      const changed = await register(id, 'IndirectProvider');
      expect(changed.status).toBe(409);
      expect(changed.body).toMatchObject({ code: 610202, errorName: 'PartnerAlreadyRegistered' });
    });
  });

  describe('D-08: a partner terminates its relationship', () => {
    it('D-08: ends the relationship, publishes ResellerRelationshipTerminated, and a second termination publishes nothing', async () => {
      const partnerId = randomUUID();
      const id = (await createCustomer(partnerId)).body.id;

      const res = await terminate(partnerId, id, 'Customer moved to another partner');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        partnerId,
        customerTenantId: id,
        reason: 'Customer moved to another partner',
      });
      const event = await oneRecorded(
        RELATIONSHIPS,
        'ResellerRelationshipTerminated',
        (d) => d.customerTenantId === id,
      );
      expect(event.key).toBe(id);
      expect(event.json.data).toEqual(res.body);

      expect((await status(partnerId, id)).body.code).toBe(610216);
      const again = await terminate(partnerId, id);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);

      const invitation = await invite(partnerId);
      expect((await accept(invitation.token, id, { acceptCustomerAgreement: false })).status).toBe(200);
      await oneRecorded(
        RELATIONSHIPS,
        'ResellerRelationshipAccepted',
        (d) => d.invitationId === invitation.invitationId,
      );
      expect(
        recorded(RELATIONSHIPS, 'ResellerRelationshipTerminated', (d) => d.customerTenantId === id),
      ).toHaveLength(1);
      expect((await status(partnerId, id)).body).toEqual({ isSigned: false });
    });

    it("D-08: partner B cannot terminate partner A's relationship, and a customer token cannot terminate at all", async () => {
      const partnerA = randomUUID();
      const id = (await createCustomer(partnerA)).body.id;

      const byB = await terminate(randomUUID(), id);
      expect(byB.status).toBe(403);
      expect(byB.body).toMatchObject({ code: 610216, errorName: 'NoActiveRelationship' });
      const byCustomer = await http()
        .delete(`/v1/customers/${id}/relationship`)
        .set('Authorization', await customer(id));
      expect(byCustomer.status).toBe(403);
      expect(byCustomer.body.code).toBe(610003);
      expect(await relationshipOf(partnerA, id)).toBe('Active');
    });
  });

  describe('the OpenAPI document', () => {
    it('D-03, D-04: lists every route, and tells which take a customer token', async () => {
      const docs = await http().get('/docs-json').expect(200);
      const paths = docs.body.paths as Record<
        string,
        Record<string, { description?: string; security?: unknown }>
      >;
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining([
          '/v1/partners',
          '/v1/indirect-resellers',
          '/v1/customers',
          '/v1/customers/relationshiprequests',
          '/v1/invitations/{token}/accept',
          '/v1/customers/{customerTenantId}/agreements/direct',
          '/v1/customers/{customerTenantId}/directSignedMicrosoftCustomerAgreementStatus',
          '/v1/customers/{customerTenantId}/relationship',
        ]),
      );
      for (const operation of [
        paths['/v1/invitations/{token}/accept'].post,
        paths['/v1/customers/{customerTenantId}/agreements/direct'].post,
      ]) {
        expect(operation.description).toContain('Customer token only');
        expect(operation.security).toEqual([{ bearer: [] }]);
      }
    });
  });

  describe('the outbox: a 2xx means the event is on its topic', () => {
    it('answers 503 (retryable) when publication is not confirmed in time; the event still goes out and a retry with the same MS-RequestId is safe', async () => {
      const partnerId = randomUUID();
      const requestId = `pending-${randomUUID()}`;
      await ensureRegistered(partnerId);
      jest.spyOn(service.app.get(OutboxRelay), 'flush').mockResolvedValueOnce(false);

      const pending = await createCustomer(partnerId, {}, requestId);
      expect(pending.status).toBe(503);
      expect(pending.body).toMatchObject({
        code: 610200,
        errorName: 'PublicationPending',
        isRetryable: true,
      });
      const created = await oneRecorded(
        RELATIONSHIPS,
        'CustomerTenantCreated',
        (d) => d.partnerId === partnerId,
      );

      const retry = await createCustomer(partnerId, {}, requestId);
      expect(retry.status).toBe(201);
      expect(retry.body.id).toBe(created.json.data.customerTenantId);
    });
  });

  describe('published events follow the contract', () => {
    /** Every field CONTRACT.md names for each event (optional ones marked `?`). */
    const CONTRACT_FIELDS: Record<string, string[]> = {
      PartnerRegistered: ['partnerId', 'partnerType', 'cloud', 'name'],
      CustomerTenantCreated: ['customerTenantId', 'partnerId', 'companyName', 'cloud', 'country'],
      ResellerRelationshipRequested: ['invitationId', 'partnerId', 'expiresAt'],
      ResellerRelationshipAccepted: [
        'invitationId',
        'partnerId',
        'customerTenantId',
        'acceptedAt',
        'cloud',
        'country',
      ],
      ResellerRelationshipTerminated: ['partnerId', 'customerTenantId', 'terminatedAt', 'reason'],
      IndirectResellerLinked: ['providerPartnerId', 'resellerPartnerId', 'linkedAt'],
      CustomerAgreementAccepted: [
        'customerTenantId',
        'agreementType',
        'templateId',
        'dateAgreed',
        'signer',
        'viaPartnerId?',
      ],
    };
    const PARTNER_KEYED: Record<string, string> = {
      PartnerRegistered: 'partnerId',
      ResellerRelationshipRequested: 'partnerId',
      IndirectResellerLinked: 'providerPartnerId',
    };

    it('D-01..D-08: every event of a whole flow validates on its topic, carries every contract field, headers, and the customer id as its key', async () => {
      const provider = randomUUID();
      const reseller = randomUUID();
      const correlationId = `contract-${randomUUID()}`;
      const admin = await operatorBearer(['PlatformAdmin']);
      const providerToken = await partnerBearer(provider);
      for (const [id, partnerType] of [
        [provider, 'IndirectProvider'],
        [reseller, 'IndirectReseller'],
      ]) {
        await http()
          .post('/v1/partners')
          .set('Authorization', admin)
          .set('MS-CorrelationId', correlationId)
          .send({ id, name: 'Northwind', partnerType, cloud: 'Public' })
          .expect(201);
      }
      await http()
        .post('/v1/indirect-resellers')
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .send({ resellerPartnerId: reseller })
        .expect(201);
      const created = await http()
        .post('/v1/customers')
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .send({
          companyProfile: { companyName: 'Fabrikam' },
          primaryContact: {
            firstName: 'Ada',
            lastName: 'Lovelace',
            email: 'ada@fabrikam.example',
            phoneNumber: '+1 555 0100',
          },
          country: 'US',
        })
        .expect(201);
      const invitation = await http()
        .get('/v1/customers/relationshiprequests')
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .expect(200);
      const invited = randomUUID();
      await http()
        .post(`/v1/invitations/${invitation.body.token}/accept`)
        .set('Authorization', await customer(invited))
        .set('MS-CorrelationId', correlationId)
        .send({ acceptCustomerAgreement: true, signer, cloud: 'Public', country: 'GB' })
        .expect(200);
      await http()
        .post(`/v1/customers/${created.body.id}/agreements/direct`)
        .set('Authorization', await customer(created.body.id))
        .set('MS-CorrelationId', correlationId)
        .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer })
        .expect(201);
      await http()
        .delete(`/v1/customers/${invited}/relationship`)
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .expect(200);

      const mine = await eventually(() => {
        const messages = recorder.messages.filter((m) => m.json?.correlationId === correlationId);
        expect(messages.map((m) => m.json.eventType).sort()).toEqual(
          [
            'PartnerRegistered',
            'PartnerRegistered',
            'IndirectResellerLinked',
            'CustomerTenantCreated',
            'ResellerRelationshipRequested',
            'ResellerRelationshipAccepted',
            'CustomerAgreementAccepted',
            'CustomerAgreementAccepted',
            'ResellerRelationshipTerminated',
          ].sort(),
        );
        return messages;
      });

      for (const message of mine) {
        const result = validateEvent(message.json, { topic: message.topic });
        expect(result).toEqual({ ok: true, envelope: message.json });
        const { eventType, eventId, eventVersion, producer: producedBy, data } = message.json;
        expect(producedBy).toBe('reseller-relationship');
        for (const field of CONTRACT_FIELDS[eventType]) {
          if (field.endsWith('?')) continue;
          expect({ eventType, field, present: data[field] !== undefined }).toEqual({
            eventType,
            field,
            present: true,
          });
        }
        const keyField = PARTNER_KEYED[eventType] ?? 'customerTenantId';
        expect(message.key).toBe(data[keyField]);
        expect(isGuid(message.key)).toBe(true);
        expect(message.headers).toEqual(
          expect.objectContaining({
            'event-type': eventType,
            'event-version': String(eventVersion),
            'event-id': eventId,
            'correlation-id': correlationId,
          }),
        );
        expect(message.value).not.toContain('ada@fabrikam.example');
        expect(message.value).not.toContain('+1 555 0100');
      }
      const viaInvitation = mine.find(
        (m) => m.json.eventType === 'CustomerAgreementAccepted' && m.key === invited,
      );
      expect(viaInvitation?.json.data.viaPartnerId).toBe(provider);
    });
  });
});
