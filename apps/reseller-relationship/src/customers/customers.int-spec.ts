import { randomUUID } from 'crypto';
import { isGuid } from '@app/contracts';
import { OutboxRelay } from '@app/messaging';
import { givenRunningService } from '@app/testing';
import {
  arrived,
  createCustomer,
  customerToken,
  directSignedStatus,
  registeredPartner,
  RELATIONSHIPS,
  relationshipService,
  terminate,
} from '../relationship.harness';

describe('D-01: a partner creates a customer tenant (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-customers'));

  it('D-01: creates the customer with a generated id, establishes the relationship and publishes CustomerTenantCreated', async () => {
    const partnerId = await registeredPartner(sut);
    const res = await createCustomer(sut, partnerId, { country: 'de' });

    expect(res.status).toBe(201);
    expect(isGuid(res.body.id)).toBe(true);
    expect(res.body).toMatchObject({
      companyProfile: { companyName: 'Fabrikam' },
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' },
      cloud: 'Public',
      country: 'DE',
      partnerId,
    });
    const event = await arrived(
      sut,
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
    expect((await directSignedStatus(sut, partnerId, res.body.id)).body).toEqual({ isSigned: false });
  });

  it('D-01: a retry with the same MS-RequestId answers the same customer and publishes nothing twice; the same request id for another customer is refused', async () => {
    const partnerId = await registeredPartner(sut);
    const requestId = `create-${randomUUID()}`;
    const first = await createCustomer(sut, partnerId, {}, requestId);
    const retry = await createCustomer(sut, partnerId, {}, requestId);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const other = await createCustomer(
      sut,
      partnerId,
      { companyProfile: { companyName: 'Contoso' } },
      requestId,
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 610220, errorName: 'RequestIdReused' });

    // A marker on the same topic and key (the customer's id): once it is here, a second creation event would be too.
    const id = first.body.id;
    expect((await terminate(sut, partnerId, id, 'marker')).status).toBe(200);
    await arrived(sut, RELATIONSHIPS, 'ResellerRelationshipTerminated', (d) => d.customerTenantId === id);
    expect(
      sut.recorded(RELATIONSHIPS, 'CustomerTenantCreated', (d) => d.partnerId === partnerId),
    ).toHaveLength(1);
  });

  it('D-01: refuses an invalid body field by field, and a customer token', async () => {
    const bad = await createCustomer(sut, await registeredPartner(sut), {
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

    const asCustomer = await sut
      .http()
      .post('/v1/customers')
      .set('Authorization', await customerToken(randomUUID()))
      .send({});
    expect(asCustomer.status).toBe(403);
    expect(asCustomer.body).toMatchObject({ code: 610003, errorName: 'Forbidden' });
  });

  describe('the outbox: a 2xx means the event is on its topic', () => {
    it('answers 503 (retryable) when publication is not confirmed in time; the event still goes out and a retry with the same MS-RequestId is safe', async () => {
      const partnerId = await registeredPartner(sut);
      const requestId = `pending-${randomUUID()}`;
      jest.spyOn(sut.service.app.get(OutboxRelay), 'flush').mockResolvedValueOnce(false);

      const pending = await createCustomer(sut, partnerId, {}, requestId);
      expect(pending.status).toBe(503);
      expect(pending.body).toMatchObject({
        code: 610200,
        errorName: 'PublicationPending',
        isRetryable: true,
      });
      const created = await arrived(
        sut,
        RELATIONSHIPS,
        'CustomerTenantCreated',
        (d) => d.partnerId === partnerId,
      );

      const retry = await createCustomer(sut, partnerId, {}, requestId);
      expect(retry.status).toBe(201);
      expect(retry.body.id).toBe(created.json.data.customerTenantId);
    });
  });
});
