import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import {
  bearer,
  createTestDatabase,
  eventually,
  operatorBearer,
  RecordedMessage,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
} from '@app/testing';
import { ResellerRelationshipModule } from '../reseller-relationship.module';

const RELATIONSHIPS = Topics.PartnersRelationships;
const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const contact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' };
const signer = { firstName: 'Alex', lastName: 'Wilber', email: 'alex.wilber@fabrikam.example' };

describe("S-01, S-02: a customer's id and cloud are this system's, never the caller's word (real broker, real database)", () => {
  const kafka = testKafka('customer-trust-int');
  let db: TestDatabase;
  let service: RunningService;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    db = await createTestDatabase('customer_trust_int');
    service = await startService(
      'reseller-relationship',
      (config) => ResellerRelationshipModule.forRoot(config),
      {
        databaseUrl: db.url,
        groupPrefix: uniqueGroupPrefix('customer-trust'),
      },
    );
    recorder = await new TopicRecorder(kafka, [RELATIONSHIPS]).start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await service?.close();
    await db?.drop();
  });

  const http = () => service.http();
  const partnerToken = (partnerId: string) => bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
  const customerToken = (customerTenantId: string) =>
    bearer({ tenantId: customerTenantId, roles: ['Customer'] });

  async function registeredPartner(cloud: string): Promise<string> {
    const id = randomUUID();
    await http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send({ id, name: `Partner in ${cloud}`, partnerType: 'DirectBill', cloud })
      .expect(201);
    return id;
  }

  async function createCustomer(partnerId: string, body: Record<string, unknown> = {}) {
    return http()
      .post('/v1/customers')
      .set('Authorization', await partnerToken(partnerId))
      .send({ companyProfile: { companyName: 'Fabrikam' }, primaryContact: contact, country: 'US', ...body });
  }

  async function invitationOf(partnerId: string): Promise<string> {
    const res = await http()
      .get('/v1/customers/relationshiprequests')
      .set('Authorization', await partnerToken(partnerId))
      .expect(200);
    return res.body.token;
  }

  async function acceptInvitation(token: string, customerTenantId: string, body: Record<string, unknown>) {
    return http()
      .post(`/v1/invitations/${token}/accept`)
      .set('Authorization', await customerToken(customerTenantId))
      .send({ acceptCustomerAgreement: false, ...body });
  }

  async function recordedCloud(customerTenantId: string): Promise<string | undefined> {
    const [row] = await service.app
      .get(DataSource)
      .query(`SELECT cloud FROM reseller_relationship.customers WHERE id = $1`, [customerTenantId]);
    return row?.cloud;
  }

  async function customersOf(partnerId: string): Promise<number> {
    const [{ n }] = await service.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM reseller_relationship.customers WHERE created_by_partner_id = $1`,
        [partnerId],
      );
    return n;
  }

  const events = (eventType: string, match: (data: any) => boolean): RecordedMessage[] =>
    recorder.on(RELATIONSHIPS).filter((m) => m.json?.eventType === eventType && match(m.json.data));

  /** Waits for one event (a marker published after anything the test expects not to see). */
  const oneEvent = (eventType: string, match: (data: any) => boolean) =>
    eventually(() => {
      const found = events(eventType, match);
      expect(found).toHaveLength(1);
      return found[0];
    });

  it('S-01: a Public partner cannot create a customer that declares itself in the UsGovernment cloud: 400, nothing stored, nothing published', async () => {
    const partnerId = await registeredPartner('Public');

    const res = await createCustomer(partnerId, { cloud: 'UsGovernment' });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 610218,
      errorName: 'CloudDiffersFromPartner',
      isRetryable: false,
      parameters: { field: 'cloud', partnerCloud: 'Public' },
    });
    expect(await customersOf(partnerId)).toBe(0);
    const marker = await createCustomer(partnerId);
    expect(marker.status).toBe(201);
    await oneEvent('CustomerTenantCreated', (d) => d.partnerId === partnerId);
    expect(
      events('CustomerTenantCreated', (d) => d.cloud === 'UsGovernment' && d.partnerId === partnerId),
    ).toEqual([]);
  });

  it("S-01: the created customer is in the partner's registered cloud, in the answer and in CustomerTenantCreated; the same cloud may be sent", async () => {
    const government = await registeredPartner('UsGovernment');
    const publicPartner = await registeredPartner('Public');

    const inGovernment = await createCustomer(government);
    const sentSame = await createCustomer(publicPartner, { cloud: 'Public' });

    expect(inGovernment.status).toBe(201);
    expect(inGovernment.body).toMatchObject({ cloud: 'UsGovernment', partnerId: government });
    expect(sentSame.status).toBe(201);
    expect(sentSame.body.cloud).toBe('Public');
    const event = await oneEvent('CustomerTenantCreated', (d) => d.customerTenantId === inGovernment.body.id);
    expect(event.json.data).toMatchObject({ partnerId: government, cloud: 'UsGovernment' });
    expect(await recordedCloud(inGovernment.body.id)).toBe('UsGovernment');
  });

  it('S-01: a partner that is not registered creates no customer (its cloud is unknown)', async () => {
    const unregistered = randomUUID();
    const res = await createCustomer(unregistered);
    expect(res.status).toBe(403);
    expect(await customersOf(unregistered)).toBe(0);
  });

  it('S-02: a caller-supplied id is refused with 400 pointing to the invitation flow, whether the tenant exists or not; nothing changes', async () => {
    const owner = await registeredPartner('Public');
    const other = await registeredPartner('Public');
    const existing = (await createCustomer(owner)).body.id;

    for (const id of [randomUUID(), existing, 'not-a-guid', 42]) {
      const res = await createCustomer(other, { id });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 610217,
        errorName: 'CustomerIdNotAccepted',
        isRetryable: false,
        parameters: { field: 'id' },
      });
      expect(res.body.description).toContain(
        'Customer ids are assigned by the system; to work with an existing tenant send it an invitation (GET /v1/customers/relationshiprequests).',
      );
    }
    expect(await customersOf(other)).toBe(0);
    const [relationships] = await service.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM reseller_relationship.relationships WHERE partner_id = $1`, [
        other,
      ]);
    expect(relationships.n).toBe(0);
  });

  it('S-02: the OpenAPI document offers no id and an optional cloud in the body of POST /v1/customers', async () => {
    const docs = await http().get('/docs-json').expect(200);
    const schema = docs.body.components.schemas.CreateCustomerDto;
    expect(Object.keys(schema.properties)).not.toContain('id');
    expect(schema.required).not.toContain('cloud');
    expect(schema.required).not.toContain('id');
    expect(docs.body.paths['/v1/customers'].post.description).toContain('610217');
  });

  it("S-01: an invitation accepted with another cloud does not change an existing tenant's cloud; the relationship event carries the recorded one", async () => {
    const creator = await registeredPartner('Public');
    const government = await registeredPartner('UsGovernment');
    const customerTenantId = (await createCustomer(creator)).body.id;
    const token = await invitationOf(government);

    const claimed = await acceptInvitation(token, customerTenantId, { cloud: 'UsGovernment' });
    expect(claimed.status).toBe(422);
    expect(claimed.body).toMatchObject({ code: 610211, parameters: { field: 'cloud' } });
    expect(await recordedCloud(customerTenantId)).toBe('Public');

    const accepted = await acceptInvitation(token, customerTenantId, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ partnerId: government, cloud: 'Public' });
    expect(await recordedCloud(customerTenantId)).toBe('Public');
    const event = await oneEvent(
      'ResellerRelationshipAccepted',
      (d) => d.customerTenantId === customerTenantId && d.partnerId === government,
    );
    expect(event.json.data.cloud).toBe('Public');
  });

  it("S-01: a new tenant joining through an invitation takes the inviting partner's cloud, and cannot declare another", async () => {
    const government = await registeredPartner('UsGovernment');
    const publicPartner = await registeredPartner('Public');
    const fresh = randomUUID();

    const declared = await acceptInvitation(await invitationOf(publicPartner), fresh, {
      cloud: 'UsGovernment',
      country: 'US',
    });
    expect(declared.status).toBe(400);
    expect(declared.body).toMatchObject({
      code: 610218,
      errorName: 'CloudDiffersFromPartner',
      parameters: { field: 'cloud', partnerCloud: 'Public' },
    });
    expect(await recordedCloud(fresh)).toBeUndefined();

    const joined = await acceptInvitation(await invitationOf(government), fresh, { country: 'US' });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ partnerId: government, cloud: 'UsGovernment', country: 'US' });
    const event = await oneEvent('ResellerRelationshipAccepted', (d) => d.customerTenantId === fresh);
    expect(event.json.data.cloud).toBe('UsGovernment');
  });

  it("S-01: a direct acceptance never changes an existing tenant's cloud, and a new tenant acting alone is in the Public cloud", async () => {
    const publicPartner = await registeredPartner('Public');
    const customerTenantId = (await createCustomer(publicPartner)).body.id;
    const direct = (id: string, body: Record<string, unknown>) =>
      customerToken(id).then((token) =>
        http()
          .post(`/v1/customers/${id}/agreements/direct`)
          .set('Authorization', token)
          .send({
            templateId: MCA_TEMPLATE,
            dateAgreed: new Date(Date.now() - 60000).toISOString(),
            signer,
            ...body,
          }),
      );

    const claimed = await direct(customerTenantId, { cloud: 'Germany' });
    expect(claimed.status).toBe(422);
    expect(claimed.body).toMatchObject({ code: 610211, parameters: { field: 'cloud' } });
    expect(await recordedCloud(customerTenantId)).toBe('Public');

    const fresh = randomUUID();
    const national = await direct(fresh, { cloud: 'UsGovernment', country: 'US' });
    expect(national.status).toBe(422);
    expect(national.body).toMatchObject({ code: 610215 });
    expect(await recordedCloud(fresh)).toBeUndefined();
    expect((await direct(fresh, { country: 'US' })).status).toBe(201);
    expect(await recordedCloud(fresh)).toBe('Public');
  });
});
