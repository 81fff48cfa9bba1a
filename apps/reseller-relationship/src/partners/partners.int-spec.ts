import { randomUUID } from 'crypto';
import { sql } from '@app/messaging';
import { givenRunningService, operatorBearer } from '@app/testing';
import {
  arrived,
  countRows,
  invite,
  partnerToken,
  register,
  registeredPartner,
  RELATIONSHIPS,
  relationshipService,
} from '../relationship.harness';

describe('D-07: the partner registry, and indirect providers linking their resellers (real broker, real database)', () => {
  const sut = givenRunningService(relationshipService('rr-partners'));

  const link = async (caller: string, resellerPartnerId: string) =>
    sut
      .http()
      .post('/v1/indirect-resellers')
      .set('Authorization', await partnerToken(caller))
      .send({ resellerPartnerId });

  it('D-07: registers partners and links a reseller to its provider, once', async () => {
    const provider = await registeredPartner(sut, { partnerType: 'IndirectProvider' });
    const reseller = randomUUID();
    const registered = await register(sut, reseller, 'IndirectReseller');
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ id: reseller, partnerType: 'IndirectReseller', cloud: 'Public' });
    const partnerEvent = await arrived(
      sut,
      RELATIONSHIPS,
      'PartnerRegistered',
      (d) => d.partnerId === reseller,
    );
    expect(partnerEvent.key).toBe(reseller);

    const first = await link(provider, reseller);
    const again = await link(provider, reseller);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ providerPartnerId: provider, resellerPartnerId: reseller });
    expect(again.body).toEqual(first.body);

    // A marker on the same topic and key (the provider's id): once it is here, a second link event would be too.
    const marker = await invite(sut, provider);
    await arrived(
      sut,
      RELATIONSHIPS,
      'ResellerRelationshipRequested',
      (d) => d.invitationId === marker.invitationId,
    );
    const linked = sut.recorded(
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
    const provider = await registeredPartner(sut, { partnerType: 'IndirectProvider' });
    const directBill = await registeredPartner(sut, { partnerType: 'DirectBill' });
    const reseller = await registeredPartner(sut, { partnerType: 'IndirectReseller' });

    expect((await link(directBill, reseller)).body).toMatchObject({
      code: 610203,
      errorName: 'NotAnIndirectProvider',
    });
    expect((await link(reseller, reseller)).status).toBe(403);
    const byUnregistered = await link(randomUUID(), reseller);
    expect(byUnregistered.body).toMatchObject({ code: 610030, errorName: 'PartnerNotRegistered' });
    expect((await link(provider, directBill)).body).toMatchObject({
      code: 610205,
      errorName: 'NotAnIndirectReseller',
    });
    expect((await link(provider, randomUUID())).body).toMatchObject({
      code: 610204,
      errorName: 'ResellerNotRegistered',
    });
    expect(await countRows(sut, 'indirect_reseller_links', sql`provider_partner_id = ${provider}`)).toBe(0);
  });

  it('D-07: only a PlatformAdmin registers partners; registering again with the same facts publishes nothing, and other facts are refused', async () => {
    const id = randomUUID();
    const notAdmin = await sut
      .http()
      .post('/v1/partners')
      .set('Authorization', await partnerToken(id))
      .send({ id, name: 'Me', partnerType: 'IndirectProvider', cloud: 'Public' });
    expect(notAdmin.status).toBe(403);
    const first = await register(sut, id, 'IndirectReseller');
    const again = await register(sut, id, 'IndirectReseller');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const changed = await register(sut, id, 'IndirectProvider');
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ code: 610202, errorName: 'PartnerAlreadyRegistered' });
    const asOperatorAuditor = await sut
      .http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['Auditor']))
      .send({ id: randomUUID(), name: 'Audit', partnerType: 'DirectBill', cloud: 'Public' });
    expect(asOperatorAuditor.status).toBe(403);

    const marker = await invite(sut, id);
    await arrived(
      sut,
      RELATIONSHIPS,
      'ResellerRelationshipRequested',
      (d) => d.invitationId === marker.invitationId,
    );
    const registrations = sut.recorded(RELATIONSHIPS, 'PartnerRegistered', (d) => d.partnerId === id);
    expect(registrations.map((m) => m.json.data)).toEqual([
      { partnerId: id, partnerType: 'IndirectReseller', cloud: 'Public', name: 'Partner IndirectReseller' },
    ]);
  });
});
