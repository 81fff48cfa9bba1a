import { randomUUID } from 'crypto';
import { bearer, eventually, operatorBearer } from '@app/testing';
import { decisionsOf, givenOrder, givenRunningGate, placeOrders, publish } from '../order-gate.harness';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenEnhancedFinalized,
  givenEnhancedOutcome,
  givenEnhancedStarted,
  givenPartnerRegistered,
  givenRelationshipAccepted,
} from '../projection/facts.fixtures';

/**
 * G-15 and T-07 through the topics with the shipped policy: the enhanced attestation's events as the attestation
 * service publishes them, orders on `commerce.orders.requested`, decisions read from `commerce.orders.decided`;
 * and what the pre-check, the at-risk report and GET /v1/policy answer.
 */
describe('the enhanced attestation and the shipped timeline at the gate', () => {
  const sut = givenRunningGate('gate-enhanced');
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

  describe('G-15: a pending enhanced attestation', () => {
    const partnerId = randomUUID();
    const auth = bearer({ tenantId: partnerId, roles: ['SalesAgent'] });

    it('G-15: blocks while pending, naming its id, status, link and expiry; passes once finalized, citing it', async () => {
      const customer = randomUUID();
      const started = givenEnhancedStarted(partnerId, customer, minutesAgo(5), { expiresAt: inDays(7) });
      const { attestationId, acceptanceUrl, expiresAt } = started.data as {
        attestationId: string;
        acceptanceUrl: string;
        expiresAt: string;
      };
      await publish(
        sut,
        givenPartnerRegistered(partnerId),
        givenCustomerCreated(partnerId, customer, minutesAgo(10)),
        started,
      );

      const [pending] = await placeOrders(sut, givenOrder(partnerId, customer));
      expect(pending).toMatchObject({
        eventType: 'OrderBlocked',
        data: {
          reason: 'AcceptanceMissing',
          pendingAttestation: { attestationId, status: 'Pending', acceptanceUrl, expiresAt },
        },
      });
      expect(pending.data.message).toContain(`signatory must accept the agreement at ${acceptanceUrl}`);

      // The pre-check and the at-risk report name it too.
      const pre = await sut
        .http()
        .post('/v1/orders/precheck')
        .set('Authorization', await auth)
        .send(givenOrder(partnerId, customer, 'SeatChange').data);
      expect(pre.status).toBe(200);
      expect(pre.body).toMatchObject({
        outcome: 'Blocked',
        pendingAttestation: { attestationId, acceptanceUrl },
      });
      const report = await sut
        .http()
        .get('/v1/compliance/at-risk')
        .set('Authorization', await auth);
      expect(report.status).toBe(200);
      expect(report.body.items).toContainEqual(
        expect.objectContaining({
          customerTenantId: customer,
          pendingAttestation: { attestationId, status: 'Pending', acceptanceUrl, expiresAt },
        }),
      );

      // Accepted on the page but not finalized: still no acceptance, and no longer awaiting the customer.
      await publish(sut, givenEnhancedOutcome(started, 'Accepted', minutesAgo(3)));
      const [accepted] = await placeOrders(sut, givenOrder(partnerId, customer));
      expect(accepted).toMatchObject({ eventType: 'OrderBlocked', data: { reason: 'AcceptanceMissing' } });
      expect(accepted.data.pendingAttestation).toBeUndefined();
      expect(accepted.data.message).toContain(`attestationId ${attestationId}`);

      const finalized = givenEnhancedFinalized(started, minutesAgo(2));
      await publish(sut, finalized);
      const [approved] = await placeOrders(sut, givenOrder(partnerId, customer, 'Upgrade'));
      expect(approved).toMatchObject({
        eventType: 'OrderApproved',
        data: {
          reason: 'AcceptanceConfirmed',
          evidence: { acceptanceEventId: finalized.eventId, enhancedAttestationId: attestationId },
        },
      });
      expect(approved.data.pendingAttestation).toBeUndefined();
    });

    it('G-15: a cancelled, expired or lapsed attestation is not named; another partner’s is not this partner’s', async () => {
      const [cancelledAt, expiredAt, lapsedAt, shared] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      const other = randomUUID();
      const cancelled = givenEnhancedStarted(partnerId, cancelledAt, minutesAgo(5));
      const expired = givenEnhancedStarted(partnerId, expiredAt, minutesAgo(5));
      // Still Pending in the projection, but past its expiry at the order's requestedAt.
      const lapsed = givenEnhancedStarted(partnerId, lapsedAt, minutesAgo(20), { expiresAt: minutesAgo(1) });
      await publish(
        sut,
        givenPartnerRegistered(partnerId),
        ...[cancelledAt, expiredAt, lapsedAt].map((c) => givenCustomerCreated(partnerId, c, minutesAgo(30))),
        givenCustomerCreated(partnerId, shared, minutesAgo(30)),
        givenRelationshipAccepted(other, shared, minutesAgo(25)),
        // E-08: pending, but partnerId's: the other partner's block does not name it.
        givenEnhancedStarted(partnerId, shared, minutesAgo(5)),
        cancelled,
        givenEnhancedOutcome(cancelled, 'Cancelled', minutesAgo(4)),
        expired,
        givenEnhancedOutcome(expired, 'Expired', minutesAgo(4)),
        lapsed,
      );
      const decided = await placeOrders(
        sut,
        givenOrder(partnerId, cancelledAt),
        givenOrder(partnerId, expiredAt),
        givenOrder(partnerId, lapsedAt),
        givenOrder(other, shared),
      );
      for (const d of decided) {
        expect(d).toMatchObject({ eventType: 'OrderBlocked', data: { reason: 'AcceptanceMissing' } });
        expect(d.data.pendingAttestation).toBeUndefined();
      }
    });

    it('G-15, S-04: an enhanced attestation stated by another writer of the topic changes nothing', async () => {
      const customer = randomUUID();
      const forged = givenEnhancedStarted(partnerId, customer, minutesAgo(5), {
        producer: 'reseller-relationship',
      });
      await publish(
        sut,
        givenPartnerRegistered(partnerId),
        givenCustomerCreated(partnerId, customer, minutesAgo(10)),
        forged,
      );
      const [d] = await placeOrders(sut, givenOrder(partnerId, customer));
      expect(d).toMatchObject({ eventType: 'OrderBlocked', data: { reason: 'AcceptanceMissing' } });
      expect(d.data.pendingAttestation).toBeUndefined();
    });
  });

  describe('T-07: acceptances dated before 2023-04-01 stop satisfying four kinds from 2025-10-07 (shipped, on)', () => {
    it('T-07: a stale attestation or direct acceptance blocks new purchases, seat, upgrade and term changes with ReacceptanceRequired; renewals and recent ones pass', async () => {
      const partnerId = randomUUID();
      const [stale, staleDirect, current] = [randomUUID(), randomUUID(), randomUUID()];
      const staleAttestation = givenAttested(partnerId, stale, minutesAgo(5), {
        dateAgreed: '2023-03-31T23:59:59.000Z',
      });
      await publish(
        sut,
        ...[stale, staleDirect, current].map((c) => givenCustomerCreated(partnerId, c, minutesAgo(10))),
        staleAttestation,
        givenDirectlyAccepted(staleDirect, minutesAgo(5), { dateAgreed: '2022-05-01T00:00:00.000Z' }),
        givenAttested(partnerId, current, minutesAgo(5), { dateAgreed: '2023-04-01T00:00:00.000Z' }),
      );
      const gated = ['NewPurchase', 'SeatChange', 'Upgrade', 'TermChange'] as const;
      const blocked = await placeOrders(
        sut,
        ...gated.map((kind) => givenOrder(partnerId, stale, kind)),
        givenOrder(partnerId, staleDirect, 'SeatChange'),
      );
      for (const d of blocked) {
        expect(d).toMatchObject({
          eventType: 'OrderBlocked',
          data: { reason: 'ReacceptanceRequired', policyVersion: 'csp-acceptance-timeline-2026.2' },
        });
        expect(d.data.message).toContain('2023-04-01');
      }
      expect(blocked[0].data.evidence.acceptanceEventId).toBe(staleAttestation.eventId);
      const passed = await placeOrders(
        sut,
        givenOrder(partnerId, stale, 'ManualRenewal'),
        givenOrder(partnerId, stale, 'AutoRenewal'),
        ...gated.map((kind) => givenOrder(partnerId, current, kind)),
      );
      for (const d of passed) expect(d.eventType).toBe('OrderApproved');
    });

    it('T-07, G-13: the at-risk report as of a date judges each next order then: the stale customer is at risk from 2025-10-07 only', async () => {
      const partnerId = randomUUID();
      const [stale, current] = [randomUUID(), randomUUID()];
      await publish(
        sut,
        givenPartnerRegistered(partnerId),
        givenCustomerCreated(partnerId, stale, minutesAgo(10)),
        givenCustomerCreated(partnerId, current, minutesAgo(10)),
        givenAttested(partnerId, stale, minutesAgo(5), { dateAgreed: '2022-05-01T00:00:00.000Z' }),
        givenAttested(partnerId, current, minutesAgo(5), { dateAgreed: '2024-05-01T00:00:00.000Z' }),
      );
      const auth = await bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
      const reportAsOf = async (asOf: string) => {
        const res = await sut.http().get('/v1/compliance/at-risk').query({ asOf }).set('Authorization', auth);
        expect(res.status).toBe(200);
        return res.body;
      };
      const before = await eventually(async () => {
        const after = await reportAsOf('2025-10-07T00:00:00Z');
        expect(after.items).toHaveLength(1);
        return reportAsOf('2025-10-06T23:59:59Z');
      });
      expect(before).toMatchObject({ items: [], asOf: '2025-10-06T23:59:59.000Z' });
      const after = await reportAsOf('2025-10-07');
      expect(after).toMatchObject({
        asOf: '2025-10-07T00:00:00.000Z',
        items: [{ customerTenantId: stale, reason: 'ReacceptanceRequired' }],
      });

      for (const bad of ['soon', '2025-02-30', '2025-10-07T00:00:00']) {
        const res = await sut
          .http()
          .get('/v1/compliance/at-risk')
          .query({ asOf: bad })
          .set('Authorization', auth);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 610305,
          errorName: 'InvalidAsOf',
          parameters: { field: 'asOf' },
        });
      }
    });
  });

  describe('GET /v1/policy', () => {
    it('T-07, T-08: any partner user or an auditor reads the timeline in force, its version and each entry’s sources', async () => {
      const partnerId = randomUUID();
      await publish(sut, givenPartnerRegistered(partnerId));
      const helpdesk = await bearer({ tenantId: partnerId, roles: ['HelpdeskAgent'] });
      const body = await eventually(async () => {
        const res = await sut.http().get('/v1/policy').set('Authorization', helpdesk);
        expect(res.status).toBe(200);
        return res.body;
      });
      expect(body.policyVersion).toBe('csp-acceptance-timeline-2026.2');
      expect(body.entries).toContainEqual(
        expect.objectContaining({
          rule: 'T-07',
          from: '2025-10-07T00:00:00Z',
          enabled: true,
          sources: expect.arrayContaining([
            expect.objectContaining({ url: expect.stringContaining('appdirect') }),
          ]),
        }),
      );
      expect(body.entries).toContainEqual(
        expect.objectContaining({ rule: 'T-08', from: '2026-01-05T00:00:00Z', enabled: false }),
      );
      const auditor = await sut
        .http()
        .get('/v1/policy')
        .set('Authorization', await operatorBearer(['Auditor']));
      expect(auditor.status).toBe(200);
      expect(auditor.body.policyVersion).toBe(body.policyVersion);
      expect((await sut.http().get('/v1/policy')).status).toBe(401);
      const unregistered = await bearer({ tenantId: randomUUID(), roles: ['SalesAgent'] });
      expect((await sut.http().get('/v1/policy').set('Authorization', unregistered)).status).toBe(403);
      const docs = await sut.http().get('/docs-json');
      expect(Object.keys(docs.body.paths)).toContain('/v1/policy');
      expect(decisionsOf(sut, 'none')).toHaveLength(0);
    });
  });
});
