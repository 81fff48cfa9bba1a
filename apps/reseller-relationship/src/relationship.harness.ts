import { randomUUID } from 'crypto';
import { Topics } from '@app/contracts';
import { runSql, Sql, sql, table } from '@app/messaging';
import { ServiceConfig } from '@app/platform';
import {
  bearer,
  eventually,
  GivenRunningServiceOptions,
  operatorBearer,
  RecordedMessage,
  ServiceUnderTest,
  testKafka,
} from '@app/testing';
import { RESELLER_RELATIONSHIP_SCHEMA, ResellerRelationshipModule } from './reseller-relationship.module';

/**
 * What the reseller-relationship spec files share: the service as each file starts it (with
 * `givenRunningService`), its HTTP calls as a partner, a customer or the operator would make them, and the
 * checks an API does not expose. Every helper takes the file's `sut`.
 */

export const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
export const CLOUD_AGREEMENT_TEMPLATE = '998b88de-aa99-4388-a42c-1b3517d49490';
export const INVITATION_BASE_URL = 'https://invite.example/v1/invitations';
export const RELATIONSHIPS = Topics.PartnersRelationships;
export const ACCEPTANCE = Topics.AgreementsAcceptance;

export const contact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' };
export const signer = { firstName: 'Alex', lastName: 'Wilber', email: 'alex.wilber@fabrikam.example' };
export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60000).toISOString();

/** The options of `givenRunningService` for this service, recording what it publishes. */
export function relationshipService(label: string): GivenRunningServiceOptions {
  return {
    service: 'reseller-relationship',
    module: (config: ServiceConfig) => ResellerRelationshipModule.forRoot(config, { INVITATION_BASE_URL }),
    record: [RELATIONSHIPS, ACCEPTANCE],
    label,
  };
}

export const partnerToken = (tenantId: string, roles = ['AdminAgent']) => bearer({ tenantId, roles });
export const customerToken = (customerTenantId: string) =>
  bearer({ tenantId: customerTenantId, roles: ['Customer'] });

/** POST /v1/partners as the operator's PlatformAdmin; the answer as it comes. */
export async function register(
  sut: ServiceUnderTest,
  id: string,
  partnerType = 'DirectBill',
  cloud = 'Public',
) {
  return sut
    .http()
    .post('/v1/partners')
    .set('Authorization', await operatorBearer(['PlatformAdmin']))
    .send({ id, name: `Partner ${partnerType}`, partnerType, cloud });
}

/** A new partner, registered (only registered partners act, S-03); its cloud is its customers' (S-01). */
export async function registeredPartner(
  sut: ServiceUnderTest,
  { partnerType = 'DirectBill', cloud = 'Public' }: { partnerType?: string; cloud?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const res = await register(sut, id, partnerType, cloud);
  expect(res.status).toBe(201);
  return id;
}

/** POST /v1/customers as the partner's AdminAgent (D-01); the answer as it comes. */
export async function createCustomer(
  sut: ServiceUnderTest,
  partnerId: string,
  overrides: Record<string, unknown> = {},
  requestId?: string,
) {
  const req = sut
    .http()
    .post('/v1/customers')
    .set('Authorization', await partnerToken(partnerId));
  if (requestId) req.set('MS-RequestId', requestId);
  return req.send({
    companyProfile: { companyName: 'Fabrikam' },
    primaryContact: contact,
    country: 'US',
    ...overrides,
  });
}

/** A customer the partner created: its id. */
export async function createdCustomer(
  sut: ServiceUnderTest,
  partnerId: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await createCustomer(sut, partnerId, overrides);
  expect(res.status).toBe(201);
  return res.body.id;
}

export interface Invitation {
  url: string;
  token: string;
  expiresAt: string;
  invitationId: string;
}

/** GET /v1/customers/relationshiprequests as the partner's AdminAgent (D-02): the invitation. */
export async function invite(sut: ServiceUnderTest, partnerId: string): Promise<Invitation> {
  const res = await sut
    .http()
    .get('/v1/customers/relationshiprequests')
    .set('Authorization', await partnerToken(partnerId));
  expect(res.status).toBe(200);
  return res.body;
}

/** POST /v1/invitations/{token}/accept as the customer (D-03); the answer as it comes. */
export async function accept(
  sut: ServiceUnderTest,
  token: string,
  customerTenantId: string,
  body: Record<string, unknown>,
) {
  return sut
    .http()
    .post(`/v1/invitations/${token}/accept`)
    .set('Authorization', await customerToken(customerTenantId))
    .send(body);
}

/** POST /v1/customers/{id}/agreements/direct as the customer (D-04): the MCA, signed a minute ago unless told. */
export async function acceptDirectly(
  sut: ServiceUnderTest,
  customerTenantId: string,
  body: Record<string, unknown> = {},
) {
  return sut
    .http()
    .post(`/v1/customers/${customerTenantId}/agreements/direct`)
    .set('Authorization', await customerToken(customerTenantId))
    .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer, ...body });
}

/** GET …/directSignedMicrosoftCustomerAgreementStatus as the partner's AdminAgent (D-05). */
export async function directSignedStatus(sut: ServiceUnderTest, partnerId: string, customerTenantId: string) {
  return sut
    .http()
    .get(`/v1/customers/${customerTenantId}/directSignedMicrosoftCustomerAgreementStatus`)
    .set('Authorization', await partnerToken(partnerId));
}

/** DELETE /v1/customers/{id}/relationship as the partner's AdminAgent (D-08). */
export async function terminate(
  sut: ServiceUnderTest,
  partnerId: string,
  customerTenantId: string,
  reason?: string,
) {
  return sut
    .http()
    .delete(`/v1/customers/${customerTenantId}/relationship`)
    .query(reason ? { reason } : {})
    .set('Authorization', await partnerToken(partnerId));
}

/** The stored status of a relationship, undefined when there is none. */
export async function relationshipOf(
  sut: ServiceUnderTest,
  partnerId: string,
  customerTenantId: string,
): Promise<string | undefined> {
  const [row] = await runSql(
    sut.dataSource(),
    sql`SELECT status FROM ${table(RESELLER_RELATIONSHIP_SCHEMA, 'relationships')}
        WHERE partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}`,
  );
  return row?.status;
}

/** How many rows of one of the service's tables `where` holds for. */
export async function countRows(sut: ServiceUnderTest, tableName: string, where: Sql): Promise<number> {
  const [{ n }] = await runSql(
    sut.dataSource(),
    sql`SELECT count(*)::int AS n FROM ${table(RESELLER_RELATIONSHIP_SCHEMA, tableName)} WHERE ${where}`,
  );
  return n;
}

/**
 * Waits until a message of this type arrives, and returns the first. It says nothing about a second:
 * a "no duplicate" check counts only once a marker sent later on the same key has arrived.
 */
export function arrived(
  sut: ServiceUnderTest,
  topic: string,
  eventType: string,
  match: (data: any) => boolean,
): Promise<RecordedMessage> {
  return eventually(() => {
    const [first] = sut.recorded(topic, eventType, match);
    expect(first).toBeDefined();
    return first;
  });
}

/**
 * What `action` answered, and everything published on `topic` (by anyone) while it ran, once the recorder has caught up with
 * it: for a "nothing published" check where no marker can share the key of what must not appear (an id
 * the service would have generated). It holds because the service publishes before it answers.
 */
export async function publishedWhile<T>(
  sut: ServiceUnderTest,
  topic: string,
  action: () => Promise<T>,
): Promise<{ result: T; published: RecordedMessage[] }> {
  const admin = testKafka('relationship-harness').admin();
  await admin.connect();
  try {
    const before = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    const result = await action();
    const windows = (await admin.fetchTopicOffsets(topic))
      .map((p) => ({ partition: p.partition, from: before.get(p.partition) ?? 0n, to: BigInt(p.high) }))
      .filter((w) => w.to > w.from);
    const published = await eventually(() =>
      windows.flatMap(({ partition, from, to }) => {
        const seen = sut.recorder
          .on(topic)
          .filter((m) => m.partition === partition && BigInt(m.offset) >= from && BigInt(m.offset) < to);
        expect({ partition, last: seen.at(-1)?.offset }).toEqual({ partition, last: String(to - 1n) });
        return seen;
      }),
    );
    return { result, published };
  } finally {
    await admin.disconnect();
  }
}
