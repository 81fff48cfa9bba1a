import { randomUUID } from 'crypto';
import { runSql, sql, table } from '@app/messaging';
import { givenRunningService } from '@app/testing';
import {
  accept,
  acceptDirectly,
  arrived,
  countRows,
  createCustomer,
  createdCustomer,
  invite,
  registeredPartner,
  RELATIONSHIPS,
  relationshipService,
  publishedWhile,
} from '../relationship.harness';
import { RESELLER_RELATIONSHIP_SCHEMA } from '../reseller-relationship.module';

describe("S-01, S-02: a customer's id and cloud are this system's, never the caller's word (real broker, real database)", () => {
  const sut = givenRunningService(relationshipService('rr-customer-trust'));

  async function recordedCloud(customerTenantId: string): Promise<string | undefined> {
    const [row] = await runSql(
      sut.dataSource(),
      sql`SELECT cloud FROM ${table(RESELLER_RELATIONSHIP_SCHEMA, 'customers')} WHERE id = ${customerTenantId}`,
    );
    return row?.cloud;
  }

  const customersOf = (partnerId: string) =>
    countRows(sut, 'customers', sql`created_by_partner_id = ${partnerId}`);
  const invitationOf = async (partnerId: string) => (await invite(sut, partnerId)).token;
  const acceptInvitation = (token: string, customerTenantId: string, body: Record<string, unknown>) =>
    accept(sut, token, customerTenantId, { acceptCustomerAgreement: false, ...body });

  it('S-01: a Public partner cannot create a customer that declares itself in the UsGovernment cloud: 400, nothing stored, nothing published', async () => {
    const partnerId = await registeredPartner(sut, { cloud: 'Public' });

    const { result: res, published } = await publishedWhile(sut, RELATIONSHIPS, () =>
      createCustomer(sut, partnerId, { cloud: 'UsGovernment' }),
    );

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 610218,
      errorName: 'CloudDiffersFromPartner',
      isRetryable: false,
      parameters: { field: 'cloud', partnerCloud: 'Public' },
    });
    expect(await customersOf(partnerId)).toBe(0);
    // The id it would have had is unknown, so no marker can share its key: everything published meanwhile is read.
    expect(published.filter((m) => m.json?.data?.partnerId === partnerId)).toEqual([]);
  });

  it("S-01: the created customer is in the partner's registered cloud, in the answer and in CustomerTenantCreated; the same cloud may be sent", async () => {
    const government = await registeredPartner(sut, { cloud: 'UsGovernment' });
    const publicPartner = await registeredPartner(sut, { cloud: 'Public' });

    const inGovernment = await createCustomer(sut, government);
    const sentSame = await createCustomer(sut, publicPartner, { cloud: 'Public' });

    expect(inGovernment.status).toBe(201);
    expect(inGovernment.body).toMatchObject({ cloud: 'UsGovernment', partnerId: government });
    expect(sentSame.status).toBe(201);
    expect(sentSame.body.cloud).toBe('Public');
    const event = await arrived(
      sut,
      RELATIONSHIPS,
      'CustomerTenantCreated',
      (d) => d.customerTenantId === inGovernment.body.id,
    );
    expect(event.json.data).toMatchObject({ partnerId: government, cloud: 'UsGovernment' });
    expect(await recordedCloud(inGovernment.body.id)).toBe('UsGovernment');
  });

  it('S-01: a partner that is not registered creates no customer (its cloud is unknown)', async () => {
    const unregistered = randomUUID();
    const res = await createCustomer(sut, unregistered);
    expect(res.status).toBe(403);
    expect(await customersOf(unregistered)).toBe(0);
  });

  it('S-02: a caller-supplied id is refused with 400 pointing to the invitation flow, whether the tenant exists or not; nothing changes', async () => {
    const owner = await registeredPartner(sut, { cloud: 'Public' });
    const other = await registeredPartner(sut, { cloud: 'Public' });
    const existing = await createdCustomer(sut, owner);

    for (const id of [randomUUID(), existing, 'not-a-guid', 42]) {
      const res = await createCustomer(sut, other, { id });
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
    expect(await countRows(sut, 'relationships', sql`partner_id = ${other}`)).toBe(0);
  });

  it('S-02: the OpenAPI document offers no id and an optional cloud in the body of POST /v1/customers', async () => {
    const docs = await sut.http().get('/docs-json').expect(200);
    const schema = docs.body.components.schemas.CreateCustomerDto;
    expect(Object.keys(schema.properties)).not.toContain('id');
    expect(schema.required).not.toContain('cloud');
    expect(schema.required).not.toContain('id');
    expect(docs.body.paths['/v1/customers'].post.description).toContain('610217');
  });

  it("S-01: an invitation accepted with another cloud does not change an existing tenant's cloud; the relationship event carries the recorded one", async () => {
    const creator = await registeredPartner(sut, { cloud: 'Public' });
    const government = await registeredPartner(sut, { cloud: 'UsGovernment' });
    const customerTenantId = await createdCustomer(sut, creator);
    const token = await invitationOf(government);

    const claimed = await acceptInvitation(token, customerTenantId, { cloud: 'UsGovernment' });
    expect(claimed.status).toBe(422);
    expect(claimed.body).toMatchObject({ code: 610211, parameters: { field: 'cloud' } });
    expect(await recordedCloud(customerTenantId)).toBe('Public');

    const accepted = await acceptInvitation(token, customerTenantId, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ partnerId: government, cloud: 'Public' });
    expect(await recordedCloud(customerTenantId)).toBe('Public');
    const event = await arrived(
      sut,
      RELATIONSHIPS,
      'ResellerRelationshipAccepted',
      (d) => d.customerTenantId === customerTenantId && d.partnerId === government,
    );
    expect(event.json.data.cloud).toBe('Public');
  });

  it("S-01: a new tenant joining through an invitation takes the inviting partner's cloud, and cannot declare another", async () => {
    const government = await registeredPartner(sut, { cloud: 'UsGovernment' });
    const publicPartner = await registeredPartner(sut, { cloud: 'Public' });
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
    const event = await arrived(
      sut,
      RELATIONSHIPS,
      'ResellerRelationshipAccepted',
      (d) => d.customerTenantId === fresh,
    );
    expect(event.json.data.cloud).toBe('UsGovernment');
  });

  it("S-01: a direct acceptance never changes an existing tenant's cloud, and a new tenant acting alone is in the Public cloud", async () => {
    const publicPartner = await registeredPartner(sut, { cloud: 'Public' });
    const customerTenantId = await createdCustomer(sut, publicPartner);
    const direct = (id: string, body: Record<string, unknown>) => acceptDirectly(sut, id, body);

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
