import { randomUUID } from 'crypto';
import { bearer } from '@app/testing';
import { auditHarness, events, givenRunningAudit } from '../audit.harness';

/** U-04: one customer's evidence packet. U-05: why one order was decided as it was. */
describe('U-04/U-05 evidence: a customer packet and the why of an order (real broker, real database)', () => {
  const sut = givenRunningAudit('audit-evidence');
  const audit = auditHarness(sut);

  it('U-04: the evidence packet gathers the acceptances, relationships and decisions of one customer, in order', async () => {
    const { partnerId: partnerA } = await audit.registeredPartner();
    const customerTenantId = randomUUID();
    const orderId = `order-${randomUUID()}`;
    const created = events.tenantCreated(partnerA, customerTenantId);
    const relationship = events.relationshipAccepted(partnerA, customerTenantId);
    const attested = events.attested(partnerA, customerTenantId);
    const direct = events.customerAccepted(customerTenantId);
    const request = events.orderRequested(partnerA, customerTenantId, orderId);
    const decision = events.decided(partnerA, customerTenantId, orderId, attested);
    const elsewhere = events.attested(partnerA, randomUUID());
    const published = [created, relationship, attested, direct, request, decision, elsewhere];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));

    const res = await audit.get(`/v1/audit/customers/${customerTenantId}/evidence`);
    expect(res.status).toBe(200);
    const ids = (items: any[]) => items.map((i) => i.eventId);
    expect(res.body.customerTenantId).toBe(customerTenantId);
    // Each group is one topic under the customer's key, one partition: in the order it was sent.
    expect(ids(res.body.acceptances)).toEqual([attested.eventId, direct.eventId]);
    expect(ids(res.body.relationships)).toEqual([created.eventId, relationship.eventId]);
    expect(ids(res.body.decisions)).toEqual([decision.eventId]);
    expect(res.body.acceptances[0].envelope).toEqual(attested);
    expect(res.body.truncated).toBe(false);

    // The customer's own direct acceptance names no partner: a partner's packet leaves it out.
    const partner = await audit.get(
      `/v1/audit/customers/${customerTenantId}/evidence`,
      {},
      await bearer({ tenantId: partnerA, roles: ['HelpdeskAgent'] }),
    );
    expect(ids(partner.body.acceptances)).toEqual([attested.eventId]);
    const stranger = await audit.get(
      `/v1/audit/customers/${customerTenantId}/evidence`,
      {},
      await bearer({ tenantId: (await audit.registeredPartner()).partnerId, roles: ['AdminAgent'] }),
    );
    expect(stranger.status).toBe(200);
    expect([
      ...stranger.body.acceptances,
      ...stranger.body.relationships,
      ...stranger.body.decisions,
    ]).toEqual([]);
  });

  it('U-04: the evidence packet holds each enhanced attestation with its evidence and the record it was finalized into', async () => {
    const { partnerId } = await audit.registeredPartner();
    const customerTenantId = randomUUID();
    const life = events.enhancedLife(partnerId, customerTenantId);
    const pending = events.enhancedLife(partnerId, customerTenantId);
    const published = [life.started, pending.started, life.accepted, life.finalized];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));

    const res = await audit.get(`/v1/audit/customers/${customerTenantId}/evidence`);
    expect(res.status).toBe(200);
    expect(res.body.acceptances.map((i: any) => i.eventId)).toEqual(published.map((e) => e.eventId));
    const trails = res.body.enhancedAttestations;
    expect(trails).toHaveLength(2);
    expect(trails.find((t: any) => t.attestationId === life.attestationId)).toEqual(
      expect.objectContaining({
        partnerId,
        status: 'Finalized',
        startedAt: life.started.occurredAt,
        expiresAt: life.started.data.expiresAt,
        acceptedAt: life.accepted.data.acceptedAt,
        evidenceHash: life.accepted.data.evidenceHash,
        evidence: life.accepted.data.evidence,
        finalizedByEventId: life.finalized.eventId,
        eventIds: [life.started.eventId, life.accepted.eventId, life.finalized.eventId],
      }),
    );
    expect(trails.find((t: any) => t.attestationId === pending.attestationId)).toEqual(
      expect.objectContaining({
        status: 'Pending',
        acceptedAt: null,
        evidenceHash: null,
        finalizedByEventId: null,
      }),
    );
  });

  it('U-05: for one order, the decision, its request, the acceptance fact it relied on and the policy version', async () => {
    const { partnerId: partnerA } = await audit.registeredPartner();
    const customerTenantId = randomUUID();
    const approvedOrder = `order-${randomUUID()}`;
    const blockedOrder = `order-${randomUUID()}`;
    const attested = events.attested(partnerA, customerTenantId);
    const published = [
      attested,
      events.orderRequested(partnerA, customerTenantId, approvedOrder),
      events.decided(partnerA, customerTenantId, approvedOrder, attested),
      events.orderRequested(partnerA, customerTenantId, blockedOrder),
      events.decided(partnerA, customerTenantId, blockedOrder, null),
    ];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));

    const why = await audit.get(`/v1/audit/orders/${approvedOrder}`);
    expect(why.status).toBe(200);
    expect(why.body).toMatchObject({
      orderId: approvedOrder,
      outcome: 'OrderApproved',
      reason: 'AcceptanceConfirmed',
      policyVersion: 'csp-acceptance-2023-04',
      acceptanceEventId: attested.eventId,
      decisionCount: 1,
    });
    expect(why.body.decision.eventId).toBe(published[2].eventId);
    expect(why.body.request.eventId).toBe(published[1].eventId);
    expect(why.body.acceptance.envelope).toEqual(attested);

    const blocked = await audit.get(
      `/v1/audit/orders/${blockedOrder}`,
      {},
      await bearer({ tenantId: partnerA, roles: ['SalesAgent'] }),
    );
    expect(blocked.body).toMatchObject({
      outcome: 'OrderBlocked',
      reason: 'AcceptanceMissing',
      acceptance: null,
    });

    const stranger = await audit.get(
      `/v1/audit/orders/${approvedOrder}`,
      {},
      await bearer({ tenantId: (await audit.registeredPartner()).partnerId, roles: ['AdminAgent'] }),
    );
    expect(stranger.status).toBe(404);
    expect(stranger.body).toMatchObject({ code: 610405, errorName: 'OrderNotFound' });
  });
});
