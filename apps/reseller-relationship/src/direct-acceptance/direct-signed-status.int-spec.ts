import { randomUUID } from 'crypto';
import { givenRunningService } from '@app/testing';
import {
  accept,
  ACCEPTANCE,
  acceptDirectly,
  arrived,
  createdCustomer,
  customerToken,
  directSignedStatus,
  invite,
  registeredPartner,
  relationshipService,
} from '../relationship.harness';

describe('reads: the direct-signed status of a customer (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-signed-status'));

  describe('D-05: the direct-signed status, for partners with an active relationship only', () => {
    it('D-05: answers isSigned to the related partner, before and after the customer accepts', async () => {
      const partnerId = await registeredPartner(sut);
      const id = await createdCustomer(sut, partnerId);
      expect((await directSignedStatus(sut, partnerId, id)).body).toEqual({ isSigned: false });
      expect((await acceptDirectly(sut, id)).status).toBe(201);
      const res = await directSignedStatus(sut, partnerId, id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ isSigned: true });
    });

    it("D-05: partner B cannot read the status of partner A's customer, nor of an unknown one; a customer token cannot either", async () => {
      const partnerA = await registeredPartner(sut);
      const partnerB = await registeredPartner(sut);
      const id = await createdCustomer(sut, partnerA);

      for (const customerTenantId of [id, randomUUID()]) {
        const res = await directSignedStatus(sut, partnerB, customerTenantId);
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ code: 610216, errorName: 'NoActiveRelationship' });
      }
      const asCustomer = await sut
        .http()
        .get(`/v1/customers/${id}/directSignedMicrosoftCustomerAgreementStatus`)
        .set('Authorization', await customerToken(id));
      expect(asCustomer.status).toBe(403);
      expect(asCustomer.body.code).toBe(610003);
      expect((await directSignedStatus(sut, partnerA, 'not-a-guid')).status).toBe(400);
    });
  });

  describe('D-06: a direct acceptance follows the customer', () => {
    it('D-06: one acceptance by the customer is signed for every partner related to it, and names no partner', async () => {
      const creator = await registeredPartner(sut);
      const inviter = await registeredPartner(sut);
      const id = await createdCustomer(sut, creator);
      expect(
        (await accept(sut, (await invite(sut, inviter)).token, id, { acceptCustomerAgreement: false }))
          .status,
      ).toBe(200);
      expect((await directSignedStatus(sut, inviter, id)).body).toEqual({ isSigned: false });

      const res = await acceptDirectly(sut, id);
      expect(res.status).toBe(201);

      expect((await directSignedStatus(sut, creator, id)).body).toEqual({ isSigned: true });
      expect((await directSignedStatus(sut, inviter, id)).body).toEqual({ isSigned: true });
      const event = await arrived(
        sut,
        ACCEPTANCE,
        'CustomerAgreementAccepted',
        (d) => d.customerTenantId === id,
      );
      expect(event.json.data.viaPartnerId).toBeUndefined();
      expect(event.json.data).not.toHaveProperty('partnerId');
    });
  });
});
