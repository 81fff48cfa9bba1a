import { randomUUID } from 'crypto';
import { isGuid, validateEvent } from '@app/contracts';
import { eventually, givenRunningService, operatorBearer } from '@app/testing';
import {
  customerToken,
  MCA_TEMPLATE,
  minutesAgo,
  partnerToken,
  relationshipService,
  signer,
} from './relationship.harness';

describe('reseller-relationship: what it exposes and publishes (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-contract'));

  describe('the OpenAPI document', () => {
    it('D-03, D-04: lists every route, and tells which take a customer token', async () => {
      const docs = await sut.http().get('/docs-json').expect(200);
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

  describe('published events follow the contract', () => {
    /** Every field docs/contract.md names for each event (optional ones marked `?`). */
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
      const providerToken = await partnerToken(provider);
      for (const [id, partnerType] of [
        [provider, 'IndirectProvider'],
        [reseller, 'IndirectReseller'],
      ]) {
        await sut
          .http()
          .post('/v1/partners')
          .set('Authorization', admin)
          .set('MS-CorrelationId', correlationId)
          .send({ id, name: 'Northwind', partnerType, cloud: 'Public' })
          .expect(201);
      }
      await sut
        .http()
        .post('/v1/indirect-resellers')
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .send({ resellerPartnerId: reseller })
        .expect(201);
      const created = await sut
        .http()
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
      const invitation = await sut
        .http()
        .get('/v1/customers/relationshiprequests')
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .expect(200);
      const invited = randomUUID();
      await sut
        .http()
        .post(`/v1/invitations/${invitation.body.token}/accept`)
        .set('Authorization', await customerToken(invited))
        .set('MS-CorrelationId', correlationId)
        .send({ acceptCustomerAgreement: true, signer, cloud: 'Public', country: 'GB' })
        .expect(200);
      await sut
        .http()
        .post(`/v1/customers/${created.body.id}/agreements/direct`)
        .set('Authorization', await customerToken(created.body.id))
        .set('MS-CorrelationId', correlationId)
        .send({ templateId: MCA_TEMPLATE, dateAgreed: minutesAgo(1), signer })
        .expect(201);
      await sut
        .http()
        .delete(`/v1/customers/${invited}/relationship`)
        .set('Authorization', providerToken)
        .set('MS-CorrelationId', correlationId)
        .expect(200);

      const mine = await eventually(() => {
        const messages = sut.recorder.messages.filter((m) => m.json?.correlationId === correlationId);
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
