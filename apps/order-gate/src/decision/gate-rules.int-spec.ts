import { randomUUID } from 'crypto';
import { givenOrder, givenRunningGate, placeOrders, publish } from '../order-gate.harness';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenRelationshipAccepted,
  givenResellerLinked,
  givenTemplatePublished,
  givenTerminated,
  givenWithdrawn,
  MCA_TEMPLATE,
} from '../projection/facts.fixtures';

/**
 * The gate's rules end to end: facts published on the contract topics as their producers would, orders on
 * `commerce.orders.requested`, decisions read from `commerce.orders.decided`. Each test judges what the
 * projection's SQL and the views query (`gate-views.ts`) hand to `decide`, not `decide` alone.
 */
describe('order gate rules through the topics', () => {
  const sut = givenRunningGate('gate-rules');

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  describe('D-06: a direct acceptance follows the customer; an attestation satisfies its partner only', () => {
    const [partnerA, partnerB, partnerC] = [randomUUID(), randomUUID(), randomUUID()];

    it("D-06, D-03, G-07: customer X accepted the Customer Agreement through B's invitation: A and B pass, C is blocked", async () => {
      const customerX = randomUUID();
      const directAcceptance = givenDirectlyAccepted(customerX, minutesAgo(5), {
        dateAgreed: minutesAgo(5),
        viaPartnerId: partnerB,
      });
      await publish(
        sut,
        givenCustomerCreated(partnerA, customerX, minutesAgo(10)),
        givenRelationshipAccepted(partnerB, customerX, minutesAgo(5)),
        directAcceptance,
      );

      const [byA, byB, byC] = await placeOrders(
        sut,
        givenOrder(partnerA, customerX),
        givenOrder(partnerB, customerX),
        givenOrder(partnerC, customerX),
      );

      for (const related of [byA, byB])
        expect(related).toMatchObject({
          eventType: 'OrderApproved',
          data: {
            reason: 'AcceptanceConfirmed',
            evidence: { acceptanceSource: 'CustomerDirect', acceptanceEventId: directAcceptance.eventId },
          },
        });
      expect(byC).toMatchObject({
        eventType: 'OrderBlocked',
        data: { reason: 'NoResellerRelationship', evidence: { acceptanceEventId: null } },
      });
      expect(byC.data.message).toContain('GET /v1/customers/relationshiprequests');
    });

    it("D-06, A-08: customer Y has only B's attestation: B passes, A (related through an invitation) is blocked", async () => {
      const customerY = randomUUID();
      const attestationByB = givenAttested(partnerB, customerY, minutesAgo(5), { dateAgreed: minutesAgo(5) });
      await publish(
        sut,
        givenCustomerCreated(partnerB, customerY, minutesAgo(10)),
        givenRelationshipAccepted(partnerA, customerY, minutesAgo(8)),
        attestationByB,
      );

      const [byB, byA] = await placeOrders(
        sut,
        givenOrder(partnerB, customerY),
        givenOrder(partnerA, customerY),
      );

      expect(byB).toMatchObject({
        eventType: 'OrderApproved',
        data: {
          reason: 'AcceptanceConfirmed',
          evidence: { acceptanceSource: 'PartnerAttestation', acceptanceEventId: attestationByB.eventId },
        },
      });
      expect(byA).toMatchObject({
        eventType: 'OrderBlocked',
        data: { reason: 'AcceptanceMissing', evidence: { acceptanceEventId: null } },
      });
      expect(byA.data.message).toContain(`POST /v1/customers/${customerY}/agreements`);
    });
  });

  it("D-07, G-07: an order naming a reseller of record passes only through a linked, related reseller, on the provider's attestation", async () => {
    const provider = randomUUID();
    const customer = randomUUID();
    const [linkedReseller, unlinkedReseller, unrelatedReseller] = [randomUUID(), randomUUID(), randomUUID()];
    const providerAttestation = givenAttested(provider, customer, minutesAgo(5), {
      dateAgreed: minutesAgo(5),
    });
    // The provider itself has no relationship with the customer: only its resellers do.
    await publish(
      sut,
      givenRelationshipAccepted(linkedReseller, customer, minutesAgo(10)),
      givenRelationshipAccepted(unlinkedReseller, customer, minutesAgo(10)),
      givenResellerLinked(provider, linkedReseller, minutesAgo(9)),
      givenResellerLinked(provider, unrelatedReseller, minutesAgo(9)),
      providerAttestation,
    );
    const through = (reseller: string) =>
      givenOrder(provider, customer, 'NewPurchase', { resellerPartnerId: reseller });

    const [linked, unlinked, unrelated, alone] = await placeOrders(
      sut,
      through(linkedReseller),
      through(unlinkedReseller),
      through(unrelatedReseller),
      givenOrder(provider, customer),
    );

    expect(linked).toMatchObject({
      eventType: 'OrderApproved',
      data: { reason: 'AcceptanceConfirmed', evidence: { acceptanceEventId: providerAttestation.eventId } },
    });
    for (const blocked of [unlinked, unrelated, alone])
      expect(blocked).toMatchObject({
        eventType: 'OrderBlocked',
        data: { reason: 'NoResellerRelationship' },
      });
    expect(unlinked.data.message).toContain('POST /v1/indirect-resellers');
  });

  it("D-07: a linked reseller related to the customer does not stand in for the provider's missing attestation", async () => {
    const provider = randomUUID();
    const reseller = randomUUID();
    const customer = randomUUID();
    await publish(
      sut,
      givenRelationshipAccepted(reseller, customer, minutesAgo(10)),
      givenResellerLinked(provider, reseller, minutesAgo(9)),
      givenAttested(reseller, customer, minutesAgo(5), { dateAgreed: minutesAgo(5) }),
    );

    const [decision] = await placeOrders(
      sut,
      givenOrder(provider, customer, 'NewPurchase', { resellerPartnerId: reseller }),
    );

    expect(decision).toMatchObject({ eventType: 'OrderBlocked', data: { reason: 'AcceptanceMissing' } });
    expect(decision.data.message).toContain(`indirect provider ${provider}`);
  });

  it('G-04: a ManualRenewal needs the latest template published; NewPurchase and SeatChange accept the older one', async () => {
    const partnerId = randomUUID();
    const [onOlder, onLatest] = [randomUUID(), randomUUID()];
    const latestTemplate = randomUUID();
    await publish(
      sut,
      givenTemplatePublished(latestTemplate, 2, minutesAgo(60), 'https://example.test/mca-v2'),
      givenCustomerCreated(partnerId, onOlder, minutesAgo(30)),
      givenCustomerCreated(partnerId, onLatest, minutesAgo(30)),
      givenAttested(partnerId, onOlder, minutesAgo(5), {
        templateId: MCA_TEMPLATE,
        dateAgreed: minutesAgo(5),
      }),
      givenAttested(partnerId, onLatest, minutesAgo(5), {
        templateId: latestTemplate,
        dateAgreed: minutesAgo(5),
      }),
    );

    const [renewOlder, buyOlder, seatsOlder, renewLatest] = await placeOrders(
      sut,
      givenOrder(partnerId, onOlder, 'ManualRenewal'),
      givenOrder(partnerId, onOlder, 'NewPurchase'),
      givenOrder(partnerId, onOlder, 'SeatChange'),
      givenOrder(partnerId, onLatest, 'ManualRenewal'),
    );

    expect(renewOlder).toMatchObject({
      eventType: 'OrderBlocked',
      data: { reason: 'TemplateOutdated', evidence: { templateId: MCA_TEMPLATE } },
    });
    expect(renewOlder.data.message).toContain(
      `the latest is ${latestTemplate} (https://example.test/mca-v2)`,
    );
    for (const anyTemplate of [buyOlder, seatsOlder])
      expect(anyTemplate).toMatchObject({
        eventType: 'OrderApproved',
        data: { reason: 'AcceptanceConfirmed', evidence: { templateId: MCA_TEMPLATE } },
      });
    expect(renewLatest).toMatchObject({
      eventType: 'OrderApproved',
      data: { reason: 'AcceptanceConfirmed', evidence: { templateId: latestTemplate } },
    });
  });

  it('G-05, A-12, D-08, G-06: a withdrawal blocks even an auto-renewal; a terminated relationship blocks; a national cloud passes', async () => {
    const partnerId = randomUUID();
    const [withdrawnCustomer, terminatedCustomer, nationalCustomer] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    const attestation = givenAttested(partnerId, withdrawnCustomer, minutesAgo(5), {
      dateAgreed: minutesAgo(5),
    });
    await publish(
      sut,
      givenCustomerCreated(partnerId, withdrawnCustomer, minutesAgo(10)),
      attestation,
      givenWithdrawn(attestation, minutesAgo(2)),
      givenCustomerCreated(partnerId, terminatedCustomer, minutesAgo(10)),
      givenTerminated(partnerId, terminatedCustomer, minutesAgo(3)),
      givenAttested(partnerId, terminatedCustomer, minutesAgo(5), { dateAgreed: minutesAgo(5) }),
      givenCustomerCreated(partnerId, nationalCustomer, minutesAgo(10), 'UsGovernment'),
    );

    const [renewal, cancel, afterTermination, national] = await placeOrders(
      sut,
      givenOrder(partnerId, withdrawnCustomer, 'AutoRenewal'),
      givenOrder(partnerId, withdrawnCustomer, 'Cancellation'),
      givenOrder(partnerId, terminatedCustomer),
      givenOrder(partnerId, nationalCustomer),
    );

    expect(renewal.data).toMatchObject({
      reason: 'AcceptanceWithdrawn',
      evidence: { acceptanceEventId: attestation.eventId },
    });
    expect(cancel.data.reason).toBe('CancellationExempt');
    expect(afterTermination.data.reason).toBe('NoResellerRelationship');
    expect(national.data.reason).toBe('NationalCloudExempt');
  });
});
