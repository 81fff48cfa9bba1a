import { randomUUID } from 'crypto';
import { bearer, eventually } from '@app/testing';
import { decisionsOf, givenOrder, givenRunningGate, publish } from '../order-gate.harness';
import { givenAttested, givenCustomerCreated, givenPartnerRegistered } from '../projection/facts.fixtures';

describe('G-12, G-13: the gate answers partners from its projection, without an order', () => {
  const sut = givenRunningGate('gate-api');

  it('G-12, G-13: pre-check, status and at-risk report answer from the projection; a foreign partnerId is refused', async () => {
    const partnerId = randomUUID();
    const okCustomer = randomUUID();
    const riskyCustomer = randomUUID();
    const now = new Date().toISOString();
    // Only registered partners act (S-03).
    await publish(
      sut,
      givenPartnerRegistered(partnerId),
      givenCustomerCreated(partnerId, okCustomer, now),
      givenCustomerCreated(partnerId, riskyCustomer, now),
      givenAttested(partnerId, okCustomer, now),
    );
    const auth = await bearer({ tenantId: partnerId, roles: ['SalesAgent'] });

    const status = await eventually(async () => {
      const res = await sut.http().get(`/v1/customers/${okCustomer}/acceptance`).set('Authorization', auth);
      expect(res.status).toBe(200);
      expect(res.body.nextNewPurchase.reason).toBe('AcceptanceConfirmed');
      return res.body;
    });
    expect(status).toMatchObject({ relationshipActive: true, customerCloud: 'Public' });

    const probe = givenOrder(partnerId, riskyCustomer).data;
    const pre = await sut.http().post('/v1/orders/precheck').set('Authorization', auth).send(probe);
    expect(pre.status).toBe(200);
    expect(pre.body).toMatchObject({ outcome: 'Blocked', reason: 'AcceptanceMissing' });
    expect(pre.body.message).toContain(`/v1/customers/${riskyCustomer}/agreements`);
    expect(decisionsOf(sut, probe.orderId)).toHaveLength(0);

    const foreign = await sut
      .http()
      .post('/v1/orders/precheck')
      .set('Authorization', auth)
      .send({ ...probe, partnerId: randomUUID() });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: 610301, errorName: 'PrecheckPartnerMismatch' });
    const invalid = await sut
      .http()
      .post('/v1/orders/precheck')
      .set('Authorization', auth)
      .send({ kind: 'Nope' });
    expect(invalid.status).toBe(400);
    const badId = await sut.http().get('/v1/customers/not-a-guid/acceptance').set('Authorization', auth);
    expect(badId.body).toMatchObject({ code: 610302 });

    const report = await sut.http().get('/v1/compliance/at-risk').set('Authorization', auth);
    expect(report.status).toBe(200);
    expect(report.body.items).toEqual([
      expect.objectContaining({
        customerTenantId: riskyCustomer,
        reason: 'AcceptanceMissing',
        whatToDo: expect.stringContaining('POST /v1/customers/'),
      }),
    ]);
  });
});
