import { givenRunningService } from '@app/testing';
import {
  accept,
  arrived,
  createdCustomer,
  customerToken,
  directSignedStatus,
  invite,
  registeredPartner,
  relationshipOf,
  RELATIONSHIPS,
  relationshipService,
  terminate,
} from '../relationship.harness';

describe('D-08: a partner terminates its relationship (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-termination'));

  it('D-08: ends the relationship, publishes ResellerRelationshipTerminated, and a second termination publishes nothing', async () => {
    const partnerId = await registeredPartner(sut);
    const id = await createdCustomer(sut, partnerId);

    const res = await terminate(sut, partnerId, id, 'Customer moved to another partner');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      partnerId,
      customerTenantId: id,
      reason: 'Customer moved to another partner',
    });
    const event = await arrived(
      sut,
      RELATIONSHIPS,
      'ResellerRelationshipTerminated',
      (d) => d.customerTenantId === id,
    );
    expect(event.key).toBe(id);
    expect(event.json.data).toEqual(res.body);

    expect((await directSignedStatus(sut, partnerId, id)).body.code).toBe(610216);
    expect(await relationshipOf(sut, partnerId, id)).toBe('Terminated');
    const again = await terminate(sut, partnerId, id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);

    // The customer accepting a new invitation is the marker on the same topic and key (the customer's id).
    const invitation = await invite(sut, partnerId);
    expect((await accept(sut, invitation.token, id, { acceptCustomerAgreement: false })).status).toBe(200);
    await arrived(
      sut,
      RELATIONSHIPS,
      'ResellerRelationshipAccepted',
      (d) => d.invitationId === invitation.invitationId,
    );
    expect(
      sut.recorded(RELATIONSHIPS, 'ResellerRelationshipTerminated', (d) => d.customerTenantId === id),
    ).toHaveLength(1);
    expect((await directSignedStatus(sut, partnerId, id)).body).toEqual({ isSigned: false });
  });

  it("D-08: partner B cannot terminate partner A's relationship, and a customer token cannot terminate at all", async () => {
    const partnerA = await registeredPartner(sut);
    const partnerB = await registeredPartner(sut);
    const id = await createdCustomer(sut, partnerA);

    const byB = await terminate(sut, partnerB, id);
    expect(byB.status).toBe(403);
    expect(byB.body).toMatchObject({ code: 610216, errorName: 'NoActiveRelationship' });
    const byCustomer = await sut
      .http()
      .delete(`/v1/customers/${id}/relationship`)
      .set('Authorization', await customerToken(id));
    expect(byCustomer.status).toBe(403);
    expect(byCustomer.body.code).toBe(610003);
    expect(await relationshipOf(sut, partnerA, id)).toBe('Active');
    expect(await relationshipOf(sut, partnerB, id)).toBeUndefined();
  });
});
