import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Request, Response } from 'express';
import type { Session } from '../auth/session';
import { segment, ServiceClient, ServiceError } from '../services/service-client';
import { field, PageKit } from './page-kit';
import {
  AcceptanceStatus,
  AtRiskItem,
  customerRows,
  customersCsv,
  decisionsChart,
  Decision,
  LogEvent,
  ORDER_KINDS,
  readCustomerFilters,
  timelineOf,
} from './views';

const CHART_DAYS = 7;
const MCA = 'MicrosoftCustomerAgreement';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Page<T> {
  items: T[];
}

interface Template {
  templateId: string;
  agreementType: string;
  versionRank: number;
}

interface Enhanced {
  attestationId: string;
  status: string;
  acceptanceUrl?: string;
  expiresAt?: string;
  createdAt?: string;
}

/**
 * A tenant id the partner has nothing to do with: no relationship, acceptance, enhanced attestation or event.
 * The services answer such reads with the partner's own (empty) view; the console says it is not theirs.
 */
function isStranger(model: { status: AcceptanceStatus; enhanced: unknown[]; timeline: unknown[] }): boolean {
  return (
    !model.status.relationshipActive &&
    model.status.acceptances.length === 0 &&
    model.enhanced.length === 0 &&
    model.timeline.length === 0
  );
}

/** The partner's pages: customers, one customer and its actions, invitations. Every read is the partner's own. */
@Controller('partner')
export class PartnerController {
  constructor(private readonly kit: PageKit) {}

  /** Every customer the services know for the partner, with the gate's view of it. */
  private async customers(client: ServiceClient, session: Session, query: Record<string, unknown>) {
    const partnerId = session.user.tenantId;
    const events = (eventType: string, extra: Record<string, string> = {}) =>
      client
        .get<Page<LogEvent>>('audit', '/v1/audit/events', { partnerId, eventType, limit: '1000', ...extra })
        .then((page) => page.items);
    const since = new Date(Date.now() - (CHART_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const [atRisk, records, created, accepted, approved, blocked] = await Promise.all([
      client.get<Page<AtRiskItem>>('orderGate', '/v1/compliance/at-risk').then((p) => p.items),
      client
        .get<Page<{ customerTenantId: string }>>('attestation', '/v1/partners/customeragreementrecords', {
          size: '500',
        })
        .then((p) => p.items),
      events('CustomerTenantCreated'),
      events('ResellerRelationshipAccepted'),
      events('OrderApproved', { from: `${since}T00:00:00Z` }),
      events('OrderBlocked', { from: `${since}T00:00:00Z` }),
    ]);
    const ids = new Set<string>([
      ...atRisk.map((i) => i.customerTenantId),
      ...records.map((r) => r.customerTenantId),
      ...[...created, ...accepted].flatMap((e) => (e.customerTenantId ? [e.customerTenantId] : [])),
    ]);
    const statuses = await Promise.all(
      [...ids].map((id) =>
        client.get<AcceptanceStatus>('orderGate', `/v1/customers/${segment(id)}/acceptance`),
      ),
    );
    const filters = readCustomerFilters(query);
    return {
      filters,
      rows: customerRows(statuses, atRisk, filters),
      chart: decisionsChart([...approved, ...blocked], CHART_DAYS, new Date()),
    };
  }

  @Get('customers')
  async list(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'partner');
    if (!session) return;
    const model = { title: 'Customers', section: 'customers', chart: true };
    try {
      const { filters, rows, chart } = await this.customers(this.kit.client(session), session, query);
      const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
      this.kit.send(response, session, 200, 'customers', {
        ...model,
        partnerLabel: 'your organisation',
        filters: { ...filters, query: params.toString() },
        rows,
        atRiskCount: rows.filter((r) => r.atRisk).length,
        chart,
        chartDays: CHART_DAYS,
      });
    } catch (error) {
      this.kit.sendError(response, session, error, 'problem', { ...model, chart: false, message: '' });
    }
  }

  @Get('customers.csv')
  async csv(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'partner');
    if (!session) return;
    try {
      const { rows } = await this.customers(this.kit.client(session), session, query);
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader('Content-Disposition', 'attachment; filename="customers.csv"');
      response.status(200).type('text/csv; charset=utf-8').send(customersCsv(rows));
    } catch (error) {
      this.kit.sendError(response, session, error, 'problem', { title: 'Customers', message: '' });
    }
  }

  /** The customer page's model; `extra` carries an action's result. */
  private async customerModel(
    session: Session,
    customerTenantId: string,
    extra: Record<string, unknown> = {},
  ) {
    const client = this.kit.client(session);
    const id = segment(customerTenantId);
    const [status, enhanced, events, direct, templates] = await Promise.all([
      client.get<AcceptanceStatus>('orderGate', `/v1/customers/${id}/acceptance`),
      client
        .get<Page<Enhanced> | Enhanced[]>('attestation', `/v1/customers/${id}/attestations/enhanced`)
        .then((body) => (Array.isArray(body) ? body : body.items)),
      client
        .get<Page<LogEvent>>('audit', '/v1/audit/events', {
          partnerId: session.user.tenantId,
          customerTenantId,
          limit: '1000',
        })
        .then((p) => p.items),
      client
        .get<{ isSigned: boolean }>(
          'resellerRelationship',
          `/v1/customers/${id}/directSignedMicrosoftCustomerAgreementStatus`,
        )
        .then((body) => body.isSigned)
        .catch(() => false),
      client
        .get<Page<Template>>('attestation', '/v1/agreements', { agreementType: MCA })
        .then((p) => [...p.items].sort((a, b) => b.versionRank - a.versionRank)),
    ]);
    const companyName = events.find((e) => e.eventType === 'CustomerTenantCreated')?.envelope?.data
      ?.companyName;
    return {
      title: typeof companyName === 'string' ? companyName : 'Customer',
      section: 'customers',
      customerTenantId,
      status,
      atRisk: status.nextNewPurchase.outcome === 'Blocked',
      directSigned: direct,
      enhanced: enhanced.map((e, i) => ({ ...e, copyId: `enhanced-link-${i}` })),
      timeline: timelineOf(events),
      templates,
      orderKinds: ORDER_KINDS,
      today: new Date().toISOString().slice(0, 10),
      open: {},
      ...extra,
    };
  }

  /** Sends the customer page; a service refusal of the page's reads is shown as its words. */
  private async sendCustomer(
    request: Request,
    response: Response,
    session: Session,
    customerTenantId: string,
    status = 200,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    if (!GUID.test(customerTenantId)) {
      this.kit.send(response, session, 404, 'problem', {
        title: 'No such customer',
        message: 'A customer id is a GUID, like 3f0c1d2e-4a5b-4c6d-8e7f-901a2b3c4d5e.',
      });
      return;
    }
    try {
      const model = await this.customerModel(session, customerTenantId.toLowerCase(), extra);
      if (isStranger(model)) {
        this.kit.send(response, session, 404, 'problem', {
          title: 'Not one of your customers',
          message: 'You have no relationship with this customer tenant, and no facts about it.',
        });
        return;
      }
      this.kit.send(response, session, status, 'customer', {
        ...model,
        notice: extra.notice ?? this.kit.takeNotice(request, response),
      });
    } catch (error) {
      this.kit.sendError(response, session, error, 'problem', {
        title: 'Customer',
        section: 'customers',
        message: 'Nothing of this customer can be shown to you.',
      });
    }
  }

  @Get('customers/:customerTenantId')
  async customer(
    @Param('customerTenantId') customerTenantId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'partner');
    if (session) await this.sendCustomer(request, response, session, customerTenantId);
  }

  /**
   * Runs an action of the customer page: on success, back to the page with `notice` (or the page with the
   * result, when `show` gives one); on a refusal, the page with the service's words and its status.
   */
  private async act(
    request: Request,
    response: Response,
    customerTenantId: string,
    action: (
      client: ServiceClient,
      body: unknown,
      session: Session,
    ) => Promise<{ notice: string } | { show: Record<string, unknown> }>,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'partner');
    if (!session) return;
    const body = await this.kit.form(request, response, session);
    if (body === undefined) return;
    const id = customerTenantId.toLowerCase();
    try {
      const result = await action(this.kit.client(session), body, session);
      if ('notice' in result) {
        this.kit.redirectWithNotice(response, `/partner/customers/${segment(id)}`, result.notice);
      } else {
        await this.sendCustomer(request, response, session, id, 200, result.show);
      }
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      const status = error.status >= 500 ? 502 : error.status;
      await this.sendCustomer(request, response, session, id, status, {
        error: { description: error.description, errorName: error.body.errorName, code: error.body.code },
      });
    }
  }

  @Post('customers/:customerTenantId/attest')
  attest(
    @Param('customerTenantId') customerTenantId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.act(request, response, customerTenantId, async (client, body) => {
      const date = field(body, 'dateAgreed');
      await client.post('attestation', `/v1/customers/${segment(customerTenantId)}/agreements`, {
        primaryContact: {
          firstName: field(body, 'firstName'),
          lastName: field(body, 'lastName'),
          email: field(body, 'email'),
        },
        // A date alone is the start of that day, UTC; the service refuses a date in the future.
        dateAgreed: /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00.000Z` : date,
        templateId: field(body, 'templateId'),
        type: MCA,
      });
      return { notice: 'The attestation is recorded.' };
    });
  }

  @Post('customers/:customerTenantId/enhanced')
  startEnhanced(
    @Param('customerTenantId') customerTenantId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.act(request, response, customerTenantId, async (client, body) => {
      const started = await client.post<{ acceptanceUrl: string }>(
        'attestation',
        '/v1/attestations/enhanced',
        {
          customerTenantId: customerTenantId.toLowerCase(),
          country: field(body, 'country'),
          language: field(body, 'language'),
          companyName: field(body, 'companyName'),
          signatoryFirstName: field(body, 'signatoryFirstName'),
          signatoryLastName: field(body, 'signatoryLastName'),
          signatoryEmail: field(body, 'signatoryEmail'),
        },
      );
      return {
        show: {
          startedLink: started.body.acceptanceUrl,
          notice: 'The enhanced attestation is started: send the link to the signatory.',
        },
      };
    });
  }

  @Post('customers/:customerTenantId/withdraw')
  withdraw(
    @Param('customerTenantId') customerTenantId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.act(request, response, customerTenantId, async (client, body) => {
      await client.post('attestation', `/v1/customers/${segment(customerTenantId)}/agreements/withdrawals`, {
        type: field(body, 'type') || MCA,
        reason: field(body, 'reason'),
      });
      return { notice: 'The attestation is withdrawn.' };
    });
  }

  @Post('customers/:customerTenantId/precheck')
  precheck(
    @Param('customerTenantId') customerTenantId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.act(request, response, customerTenantId, async (client, body, session) => {
      const kind = field(body, 'kind') || 'NewPurchase';
      const subscriptionId = field(body, 'subscriptionId');
      const answer = await client.post<Decision>('orderGate', '/v1/orders/precheck', {
        orderId: `console-precheck-${randomUUID()}`,
        partnerId: session.user.tenantId,
        customerTenantId: customerTenantId.toLowerCase(),
        kind,
        channel: 'Dashboard',
        requestedAt: new Date().toISOString(),
        ...(subscriptionId ? { subscriptionId } : {}),
        lineItems: [{ offerId: field(body, 'offerId'), quantity: Number(field(body, 'quantity') || '1') }],
      });
      return { show: { precheck: answer.body, open: { precheck: true } } };
    });
  }

  @Get('invitations')
  async invitations(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = this.kit.signedIn(request, response, 'partner');
    if (session) await this.sendInvitations(request, response, session, 200, {});
  }

  @Post('invitations')
  async createInvitation(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = this.kit.signedIn(request, response, 'partner');
    if (!session) return;
    if ((await this.kit.form(request, response, session)) === undefined) return;
    try {
      const created = await this.kit
        .client(session)
        .get<{ url: string; expiresAt: string }>(
          'resellerRelationship',
          '/v1/customers/relationshiprequests',
        );
      await this.sendInvitations(request, response, session, 200, {
        created,
        notice: 'The invitation is created: send the link to your customer.',
      });
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      await this.sendInvitations(request, response, session, error.status >= 500 ? 502 : error.status, {
        error: { description: error.description, errorName: error.body.errorName, code: error.body.code },
      });
    }
  }

  private async sendInvitations(
    request: Request,
    response: Response,
    session: Session,
    status: number,
    extra: Record<string, unknown>,
  ): Promise<void> {
    const model = { title: 'Invitations', section: 'invitations' };
    try {
      const events = await this.kit.client(session).get<Page<LogEvent>>('audit', '/v1/audit/events', {
        partnerId: session.user.tenantId,
        eventType: 'ResellerRelationshipRequested',
        limit: '1000',
      });
      const past = events.items
        .map((e) => ({
          at: e.occurredAt,
          invitationId: e.envelope?.data?.invitationId,
          expiresAt: e.envelope?.data?.expiresAt,
        }))
        .reverse();
      this.kit.send(response, session, status, 'invitations', { ...model, past, ...extra });
    } catch (error) {
      this.kit.sendError(response, session, error, 'invitations', { ...model, past: [], ...extra });
    }
  }
}
