import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import { buildEnvelope, OrderKind, OrderRequestedV1, Topics } from '@app/contracts';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { Fact, FactIds, iso, Journal } from './journal';
import { ServiceInstance } from './processes';

/**
 * The campaign's traffic, through the public interfaces only: partners and customers over HTTP, the commerce
 * platform over Kafka. It keeps its own model of what was acknowledged, only to choose what to do next; the
 * checker judges from the journal, not from this model.
 */
export const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const ORDER_KINDS: OrderKind[] = [
  'NewPurchase',
  'NewPurchase',
  'NewPurchase',
  'SeatChange',
  'SeatChange',
  'Upgrade',
  'TermChange',
  'ManualRenewal',
  'AutoRenewal',
  'Cancellation',
];
const signer = { firstName: 'Alex', lastName: 'Wilber', email: 'alex.wilber@fabrikam.example' };
/* 503s after which nothing was stored: PartnerRegistrationNotYetKnown, RelationshipFactsPending, FactsNotCaughtUp. */
const NOTHING_DONE_YET = new Set([610031, 610122, 610304]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

interface Customer {
  partnerId: string;
  customerTenantId: string;
  related: boolean;
  attestationId?: string;
  accepted: boolean;
  ended: boolean;
}

export interface WorkloadCounts {
  operations: number;
  acks: number;
  refused: number;
  errors: number;
  orders: number;
}

export class Workload {
  private readonly partners: string[] = [];
  private readonly customers: Customer[] = [];
  private readonly next = new Map<string, number>();
  /** The orders the brokers acknowledged: every one must be decided before the checker runs. */
  readonly sentOrders = new Set<string>();
  readonly counts: WorkloadCounts = { operations: 0, acks: 0, refused: 0, errors: 0, orders: 0 };

  constructor(
    private readonly instances: (service: string) => ServiceInstance[],
    private readonly producer: Producer,
    private readonly journal: Journal,
    private readonly secret: string,
    private readonly operatorTenantId: string,
  ) {}

  private token(tid: string, roles: string[]): Promise<string> {
    return signHs256Token(this.secret, { tid, oid: randomUUID(), roles }).then((t) => `Bearer ${t}`);
  }

  /**
   * One HTTP call, spread round-robin over the service's instances; a refused connection (a killed instance)
   * tries the next one, and a 503 that says to retry is retried. Journals the outcome.
   */
  private async call(
    service: string,
    fact: Fact,
    request: { method: string; path: string; token: string; body?: unknown },
    idsOf: FactIds | ((body: any) => FactIds),
  ): Promise<{ status: number; body: any; sentAt: string; ackAt: string } | null> {
    const ids = (body: any) => (typeof idsOf === 'function' ? idsOf(body ?? {}) : idsOf);
    this.counts.operations++;
    const all = this.instances(service);
    const sentAt = iso();
    let last = 'no instance';
    // One request id for the call and its retries: where a service honours MS-RequestId, a retry is answered from
    // the first attempt instead of repeating it.
    const requestId = randomUUID();
    for (let attempt = 0; attempt < 6; attempt++) {
      const turn = (this.next.get(service) ?? 0) + 1;
      this.next.set(service, turn);
      const instance = all[turn % all.length];
      try {
        const res = await fetch(`${instance.url}${request.path}`, {
          method: request.method,
          headers: {
            'content-type': 'application/json',
            authorization: request.token,
            'MS-RequestId': requestId,
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(15_000),
        });
        const body: any = await res.json().catch(() => ({}));
        // Retried only when the service says nothing was done yet (a partner or facts not read yet); a 503
        // PublicationPending means the change is stored, so repeating it would make a second one.
        if (res.status === 503 && attempt < 5 && NOTHING_DONE_YET.has(Number(body?.code))) {
          last = `503 ${body?.code ?? ''}`;
          await sleep(500 * (attempt + 1));
          continue;
        }
        if (res.status < 300) {
          this.counts.acks++;
          const ackAt = iso();
          this.journal.write({ kind: 'ack', fact, sentAt, ackAt, httpStatus: res.status, ...ids(body) });
          return { status: res.status, body, sentAt, ackAt };
        }
        const kind = res.status >= 500 ? 'error' : 'refused';
        this.counts[kind === 'error' ? 'errors' : 'refused']++;
        this.journal.write({
          kind,
          fact,
          sentAt,
          ackAt: iso(),
          httpStatus: res.status,
          code: String(body?.code ?? ''),
          ...ids({}),
        });
        return null;
      } catch (err) {
        // A killed instance refuses the connection (nothing happened): try the next. A timeout may have
        // done the work: its outcome is unknown.
        last = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        if (err instanceof Error && err.name === 'TimeoutError') break;
        await sleep(200);
      }
    }
    this.counts.errors++;
    this.journal.write({ kind: 'error', fact, sentAt, ackAt: iso(), code: last.slice(0, 200), ...ids({}) });
    return null;
  }

  /** The operator registers the partners, and one indirect provider links its reseller. */
  async setUp(directPartners: number): Promise<void> {
    const admin = await this.token(this.operatorTenantId, ['PlatformAdmin']);
    const register = async (partnerType: string) => {
      const partnerId = randomUUID();
      const res = await this.call(
        'reseller-relationship',
        'PartnerRegistered',
        {
          method: 'POST',
          path: '/v1/partners',
          token: admin,
          body: { id: partnerId, name: `Chaos ${partnerType}`, partnerType, cloud: 'Public' },
        },
        { partnerId, partnerType },
      );
      if (!res) throw new Error(`registering a ${partnerType} partner failed (see the journal)`);
      return partnerId;
    };
    for (let i = 0; i < directPartners; i++) this.partners.push(await register('DirectBill'));
    const provider = await register('IndirectProvider');
    const reseller = await register('IndirectReseller');
    await this.call(
      'reseller-relationship',
      'IndirectLinked',
      {
        method: 'POST',
        path: '/v1/indirect-resellers',
        token: await this.token(provider, ['AdminAgent']),
        body: { resellerPartnerId: reseller },
      },
      { providerPartnerId: provider, resellerPartnerId: reseller },
    );
  }

  /** One operation, chosen by weight; orders are the larger part, as in a real storefront. */
  async step(): Promise<void> {
    const roll = Math.random();
    const live = this.customers.filter((c) => !c.ended);
    if (live.length < 4 || roll < 0.12) return this.createCustomer();
    if (roll < 0.17) return this.invite();
    const unattested = live.filter((c) => c.related && !c.accepted);
    if (roll < 0.27 && unattested.length > 0) return this.attest(pick(unattested));
    if (roll < 0.31 && unattested.length > 0) return this.acceptDirectly(pick(unattested));
    const attested = live.filter((c) => c.attestationId);
    if (roll < 0.325 && attested.length > 0) return this.withdraw(pick(attested));
    if (roll < 0.335) return this.terminate(pick(live));
    return this.order(
      Math.random() < 0.85 && live.some((c) => c.accepted)
        ? pick(live.filter((c) => c.accepted))
        : pick(this.customers),
    );
  }

  private async createCustomer(): Promise<void> {
    const partnerId = pick(this.partners);
    const res = await this.call(
      'reseller-relationship',
      'CustomerCreated',
      {
        method: 'POST',
        path: '/v1/customers',
        token: await this.token(partnerId, ['AdminAgent']),
        body: {
          companyProfile: { companyName: 'Fabrikam' },
          primaryContact: { firstName: 'Dana', lastName: 'Example', email: 'dana@fabrikam.example' },
          country: 'US',
        },
      },
      (body) => ({ partnerId, customerTenantId: body.id }),
    );
    if (res?.body?.id) {
      this.customers.push({
        partnerId,
        customerTenantId: res.body.id,
        related: true,
        accepted: false,
        ended: false,
      });
    }
  }

  private async invite(): Promise<void> {
    const partnerId = pick(this.partners);
    const invitation = await this.call(
      'reseller-relationship',
      'InvitationCreated',
      {
        method: 'GET',
        path: '/v1/customers/relationshiprequests',
        token: await this.token(partnerId, ['AdminAgent']),
      },
      { partnerId },
    );
    if (!invitation?.body?.token) return;
    const customerTenantId = randomUUID();
    const withAgreement = Math.random() < 0.5;
    const accepted = await this.call(
      'reseller-relationship',
      'RelationshipAccepted',
      {
        method: 'POST',
        path: `/v1/invitations/${invitation.body.token}/accept`,
        token: await this.token(customerTenantId, ['Customer']),
        body: {
          acceptCustomerAgreement: withAgreement,
          ...(withAgreement ? { templateId: MCA_TEMPLATE, signer } : {}),
          cloud: 'Public',
          country: 'US',
        },
      },
      {
        partnerId,
        customerTenantId,
        ...(withAgreement ? { templateId: MCA_TEMPLATE, viaPartnerId: partnerId } : {}),
      },
    );
    if (!accepted) return;
    // The invitation's acceptance with the agreement is also the customer's direct acceptance (D-03).
    if (withAgreement)
      this.journal.write({
        kind: 'ack',
        fact: 'DirectAccepted',
        sentAt: accepted.sentAt,
        ackAt: accepted.ackAt,
        httpStatus: accepted.status,
        customerTenantId,
        templateId: MCA_TEMPLATE,
        viaPartnerId: partnerId,
      });
    this.customers.push({
      partnerId,
      customerTenantId,
      related: true,
      accepted: withAgreement,
      ended: false,
    });
  }

  private async attest(customer: Customer): Promise<void> {
    customer.accepted = true; // taken before the call, so that no concurrent step picks it too
    const dateAgreed = new Date(Date.now() - 60_000).toISOString();
    const res = await this.call(
      'attestation',
      'Attested',
      {
        method: 'POST',
        path: `/v1/customers/${customer.customerTenantId}/agreements`,
        token: await this.token(customer.partnerId, ['AdminAgent']),
        body: {
          primaryContact: { firstName: 'Dana', lastName: 'Example', email: 'dana@fabrikam.example' },
          dateAgreed,
          templateId: MCA_TEMPLATE,
          type: 'MicrosoftCustomerAgreement',
        },
      },
      (body) => ({
        partnerId: customer.partnerId,
        customerTenantId: customer.customerTenantId,
        attestationId: body.id,
        agreementType: 'MicrosoftCustomerAgreement',
        templateId: MCA_TEMPLATE,
        dateAgreed,
      }),
    );
    if (res?.body?.id) customer.attestationId = res.body.id;
  }

  private async acceptDirectly(customer: Customer): Promise<void> {
    customer.accepted = true; // taken before the call, so that no concurrent step picks it too
    const dateAgreed = new Date(Date.now() - 60_000).toISOString();
    const res = await this.call(
      'reseller-relationship',
      'DirectAccepted',
      {
        method: 'POST',
        path: `/v1/customers/${customer.customerTenantId}/agreements/direct`,
        token: await this.token(customer.customerTenantId, ['Customer']),
        body: { templateId: MCA_TEMPLATE, dateAgreed, signer },
      },
      { customerTenantId: customer.customerTenantId, templateId: MCA_TEMPLATE, dateAgreed },
    );
    void res;
  }

  private async withdraw(customer: Customer): Promise<void> {
    customer.ended = true; // taken before the call, so that no concurrent step picks it too
    await this.call(
      'attestation',
      'Withdrawn',
      {
        method: 'POST',
        path: `/v1/customers/${customer.customerTenantId}/agreements/withdrawals`,
        token: await this.token(customer.partnerId, ['AdminAgent']),
        body: { type: 'MicrosoftCustomerAgreement', reason: 'The customer revoked its acceptance.' },
      },
      {
        partnerId: customer.partnerId,
        customerTenantId: customer.customerTenantId,
        attestationId: customer.attestationId,
        agreementType: 'MicrosoftCustomerAgreement',
      },
    );
  }

  private async terminate(customer: Customer): Promise<void> {
    customer.ended = true; // taken before the call, so that no concurrent step picks it too
    await this.call(
      'reseller-relationship',
      'Terminated',
      {
        method: 'DELETE',
        path: `/v1/customers/${customer.customerTenantId}/relationship`,
        token: await this.token(customer.partnerId, ['AdminAgent']),
      },
      { partnerId: customer.partnerId, customerTenantId: customer.customerTenantId },
    );
  }

  private async order(customer: Customer | undefined): Promise<void> {
    if (!customer) return;
    const kind = pick(ORDER_KINDS);
    const data: OrderRequestedV1 = {
      orderId: `chaos-${randomUUID()}`,
      partnerId: customer.partnerId,
      customerTenantId: customer.customerTenantId,
      kind,
      channel: 'Api',
      requestedAt: iso(),
      ...(kind === 'NewPurchase' ? {} : { subscriptionId: randomUUID() }),
      lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 + Math.floor(Math.random() * 20) }],
    } as OrderRequestedV1;
    const envelope = buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
    const sentAt = iso();
    this.counts.operations++;
    try {
      await this.producer.send({
        topic: Topics.OrdersRequested,
        acks: -1,
        messages: [{ key: data.customerTenantId, value: JSON.stringify(envelope) }],
      });
      this.counts.orders++;
      this.sentOrders.add(data.orderId);
      this.journal.write({
        kind: 'order',
        orderId: data.orderId,
        partnerId: data.partnerId,
        customerTenantId: data.customerTenantId,
        orderKind: kind,
        requestedAt: data.requestedAt,
        sentAt,
        ackAt: iso(),
      });
    } catch (err) {
      // Not acknowledged by the brokers: it may or may not be on the topic; the checker reads the topic.
      this.counts.errors++;
      this.journal.write({
        kind: 'error',
        fact: 'Order',
        sentAt,
        ackAt: iso(),
        code: String(err).slice(0, 200),
      });
    }
  }
}
