import { randomBytes, randomUUID } from 'crypto';
import { sql } from '@app/messaging';
import { givenRunningService } from '@app/testing';
import {
  accept,
  ACCEPTANCE,
  acceptDirectly,
  arrived,
  countRows,
  createdCustomer,
  customerToken,
  directSignedStatus,
  invite,
  INVITATION_BASE_URL,
  MCA_TEMPLATE,
  minutesAgo,
  partnerToken,
  registeredPartner,
  relationshipOf,
  RELATIONSHIPS,
  relationshipService,
  signer,
  terminate,
} from '../relationship.harness';
import { signInvitationToken } from './invitation-token';
import { InvitationTokens } from './invitation-tokens';

describe('relationship invitations (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-invitations'));

  describe('D-02: a partner asks an existing customer for a relationship', () => {
    it('D-02: answers a signed, expiring invitation URL and publishes ResellerRelationshipRequested without the token', async () => {
      const partnerId = await registeredPartner(sut);
      const before = Date.now();
      const invitation = await invite(sut, partnerId);

      expect(invitation.url).toBe(`${INVITATION_BASE_URL}/${invitation.token}`);
      expect(invitation).toMatchObject({ attributes: { objectType: 'RelationshipRequest' } });
      expect(Date.parse(invitation.expiresAt)).toBeGreaterThan(before + 24 * 3600 * 1000);
      expect(invitation.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect((await invite(sut, partnerId)).token).not.toBe(invitation.token);

      const event = await arrived(
        sut,
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
      const asCustomer = await sut
        .http()
        .get('/v1/customers/relationshiprequests')
        .set('Authorization', await customerToken(randomUUID()));
      expect(asCustomer.status).toBe(403);
      expect(asCustomer.body.code).toBe(610003);
      const asHelpdesk = await sut
        .http()
        .get('/v1/customers/relationshiprequests')
        .set('Authorization', await partnerToken(await registeredPartner(sut), ['HelpdeskAgent']));
      expect(asHelpdesk.status).toBe(403);
      expect(asHelpdesk.body.code).toBe(610003);
    });
  });

  describe('D-03: the customer accepts the invitation, and may accept the Customer Agreement with it', () => {
    it('D-03: establishes the relationship and records the direct acceptance, with both events keyed by the customer', async () => {
      const partnerId = await registeredPartner(sut);
      const customerTenantId = randomUUID();
      const invitation = await invite(sut, partnerId);

      const res = await accept(sut, invitation.token, customerTenantId, {
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
      expect(await relationshipOf(sut, partnerId, customerTenantId)).toBe('Active');
      const accepted = await arrived(
        sut,
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
      const agreement = await arrived(
        sut,
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
      expect((await directSignedStatus(sut, partnerId, customerTenantId)).body).toEqual({ isSigned: true });
    });

    it('D-03: accepting the same invitation twice is harmless: the same answer, nothing published again', async () => {
      const partnerId = await registeredPartner(sut);
      const customerTenantId = randomUUID();
      const invitation = await invite(sut, partnerId);
      const body = { acceptCustomerAgreement: true, signer, cloud: 'Public', country: 'US' };
      const first = await accept(sut, invitation.token, customerTenantId, body);
      const second = await accept(sut, invitation.token, customerTenantId, body);

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);

      // Markers on both topics and the same key (the customer's id): once they are here, a second copy would be too.
      const markerDate = minutesAgo(2);
      expect((await terminate(sut, partnerId, customerTenantId, 'marker')).status).toBe(200);
      expect((await acceptDirectly(sut, customerTenantId, { dateAgreed: markerDate })).status).toBe(201);
      await arrived(
        sut,
        RELATIONSHIPS,
        'ResellerRelationshipTerminated',
        (d) => d.customerTenantId === customerTenantId,
      );
      await arrived(
        sut,
        ACCEPTANCE,
        'CustomerAgreementAccepted',
        (d) => d.customerTenantId === customerTenantId && d.dateAgreed === markerDate,
      );
      expect(
        sut.recorded(
          RELATIONSHIPS,
          'ResellerRelationshipAccepted',
          (d) => d.invitationId === invitation.invitationId,
        ),
      ).toHaveLength(1);
      expect(
        sut.recorded(
          ACCEPTANCE,
          'CustomerAgreementAccepted',
          (d) => d.customerTenantId === customerTenantId && d.viaPartnerId,
        ),
      ).toHaveLength(1);
    });

    it('D-03: a replayed token (used by another customer) is refused and changes nothing', async () => {
      const partnerId = await registeredPartner(sut);
      const firstCustomer = randomUUID();
      const secondCustomer = randomUUID();
      const invitation = await invite(sut, partnerId);
      const firstAcceptance = await accept(sut, invitation.token, firstCustomer, {
        acceptCustomerAgreement: false,
        cloud: 'Public',
        country: 'US',
      });
      expect(firstAcceptance.status).toBe(200);

      const replay = await accept(sut, invitation.token, secondCustomer, {
        acceptCustomerAgreement: true,
        signer,
        cloud: 'Public',
        country: 'US',
      });

      expect(replay.status).toBe(409);
      expect(replay.body).toMatchObject({ code: 610208, errorName: 'InvitationAlreadyUsed' });
      expect(await relationshipOf(sut, partnerId, secondCustomer)).toBeUndefined();
      expect(await countRows(sut, 'customers', sql`id = ${secondCustomer}`)).toBe(0);
      expect(await countRows(sut, 'customer_acceptances', sql`customer_tenant_id = ${secondCustomer}`)).toBe(
        0,
      );

      // The second customer accepting an invitation of its own is the marker on both topics and its key.
      const own = await invite(sut, partnerId);
      const marker = await accept(sut, own.token, secondCustomer, {
        acceptCustomerAgreement: true,
        signer,
        cloud: 'Public',
        country: 'US',
      });
      expect(marker.status).toBe(200);
      await arrived(
        sut,
        RELATIONSHIPS,
        'ResellerRelationshipAccepted',
        (d) => d.invitationId === own.invitationId,
      );
      await arrived(
        sut,
        ACCEPTANCE,
        'CustomerAgreementAccepted',
        (d) => d.customerTenantId === secondCustomer,
      );
      expect(
        sut.recorded(
          RELATIONSHIPS,
          'ResellerRelationshipAccepted',
          (d) => d.customerTenantId === secondCustomer,
        ),
      ).toHaveLength(1);
      expect(
        sut.recorded(ACCEPTANCE, 'CustomerAgreementAccepted', (d) => d.customerTenantId === secondCustomer),
      ).toHaveLength(1);
      expect(
        (await accept(sut, invitation.token, firstCustomer, { acceptCustomerAgreement: false })).body,
      ).toEqual(firstAcceptance.body);
    });

    it('D-03: a forged token is refused as invalid, and an expired one as expired; neither changes anything', async () => {
      const partnerId = await registeredPartner(sut);
      const customerTenantId = randomUUID();
      const invitation = await invite(sut, partnerId);
      const tokens = sut.service.app.get(InvitationTokens);
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
        const res = await accept(sut, forged, customerTenantId, body);
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
      const late = await accept(sut, expired, customerTenantId, body);
      expect(late.status).toBe(422);
      expect(late.body).toMatchObject({ code: 610207, errorName: 'InvitationExpired' });

      expect(await relationshipOf(sut, partnerId, customerTenantId)).toBeUndefined();
      expect(await countRows(sut, 'customers', sql`id = ${customerTenantId}`)).toBe(0);
      const unknown = tokens.sign({
        invitationId: randomUUID(),
        partnerId,
        expiresAt: new Date(Date.now() + 60000),
      });
      expect((await accept(sut, unknown, customerTenantId, body)).body.code).toBe(610209);
      expect((await accept(sut, invitation.token, customerTenantId, body)).status).toBe(200);
    });

    it("D-03: a partner token cannot accept on the customer's behalf; a signer is needed to accept the agreement", async () => {
      const partnerId = await registeredPartner(sut);
      const invitation = await invite(sut, partnerId);
      const asPartner = await sut
        .http()
        .post(`/v1/invitations/${invitation.token}/accept`)
        .set('Authorization', await partnerToken(partnerId))
        .send({ acceptCustomerAgreement: false });
      expect(asPartner.status).toBe(403);
      expect(asPartner.body).toMatchObject({ code: 610003, errorName: 'Forbidden' });
      expect(asPartner.body.description).toMatch(/partner token cannot act as a customer/);

      const noSigner = await accept(sut, invitation.token, randomUUID(), {
        acceptCustomerAgreement: true,
        cloud: 'Public',
        country: 'US',
      });
      expect(noSigner.status).toBe(400);
      expect(noSigner.body.parameters.fields).toBe('signer');
    });

    it('D-03: an unknown tenant must give its country; a known one keeps the recorded cloud and country', async () => {
      const creator = await registeredPartner(sut);
      const inviter = await registeredPartner(sut);
      const known = await createdCustomer(sut, creator, { country: 'NL' });

      const missing = await accept(sut, (await invite(sut, inviter)).token, randomUUID(), {
        acceptCustomerAgreement: false,
      });
      expect(missing.status).toBe(422);
      expect(missing.body).toMatchObject({ code: 610210, parameters: { fields: 'country' } });

      const contradicting = await accept(sut, (await invite(sut, inviter)).token, known, {
        acceptCustomerAgreement: false,
        country: 'BE',
      });
      expect(contradicting.body).toMatchObject({ code: 610211, parameters: { field: 'country' } });
      expect(await relationshipOf(sut, inviter, known)).toBeUndefined();

      const ok = await accept(sut, (await invite(sut, inviter)).token, known, {
        acceptCustomerAgreement: false,
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ cloud: 'Public', country: 'NL', partnerId: inviter });
      expect(ok.body.customerAgreement).toBeUndefined();
      expect(await relationshipOf(sut, inviter, known)).toBe('Active');
      expect(await relationshipOf(sut, creator, known)).toBe('Active');
    });

    it('D-03, A-07: a national-cloud customer cannot accept the agreement with the invitation; the refusal changes nothing', async () => {
      const partnerId = await registeredPartner(sut, { cloud: 'UsGovernment' });
      const customerTenantId = randomUUID();
      const invitation = await invite(sut, partnerId);
      const body = { acceptCustomerAgreement: true, signer, cloud: 'UsGovernment', country: 'US' };

      const refused = await accept(sut, invitation.token, customerTenantId, body);
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 610215, errorName: 'NationalCloudNotSupported' });
      expect(await relationshipOf(sut, partnerId, customerTenantId)).toBeUndefined();
      expect(
        await countRows(sut, 'customer_acceptances', sql`customer_tenant_id = ${customerTenantId}`),
      ).toBe(0);

      const relationshipOnly = await accept(sut, invitation.token, customerTenantId, {
        ...body,
        acceptCustomerAgreement: false,
      });
      expect(relationshipOnly.status).toBe(200);
      expect(relationshipOnly.body.cloud).toBe('UsGovernment');
      expect(
        await countRows(sut, 'customer_acceptances', sql`customer_tenant_id = ${customerTenantId}`),
      ).toBe(0);
    });
  });
});
