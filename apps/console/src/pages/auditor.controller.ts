import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { segment, ServiceError } from '../services/service-client';
import { PageKit } from './page-kit';
import { auditQuery, EVENT_TYPES, filterQueryString, LogEvent, readLogFilters, timelineOf } from './views';

const PAGE_SIZE = '50';

interface EventsPage {
  items: LogEvent[];
  continuationToken: string | null;
}

interface OrderWhy {
  orderId: string;
  decision: LogEvent | null;
  request: LogEvent | null;
  acceptance: LogEvent | null;
}

interface EvidencePacket {
  customerTenantId: string;
  acceptances: LogEvent[];
  relationships: LogEvent[];
  decisions: LogEvent[];
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, 200) : '');

/** The auditor's pages: the log and its chain, one order's why (U-05), a customer's evidence packet (U-04). */
@Controller('audit')
export class AuditorController {
  constructor(private readonly kit: PageKit) {}

  @Get('log')
  async log(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'auditor');
    if (!session) return;
    const client = this.kit.client(session);
    const filters = readLogFilters(query);
    const filterQuery = filterQueryString(filters);
    const model = {
      title: 'Audit log',
      section: 'log',
      filters,
      filterQuery,
      eventTypes: EVENT_TYPES,
      hiddenFilters: Object.entries(filters)
        .filter(([, value]) => value)
        .map(([name, value]) => ({ name, value })),
    };
    const [checkpoint, verification] = await Promise.all([
      client.get('audit', '/v1/audit/checkpoints/latest').catch(() => undefined),
      query.verify === '1' ? client.get('audit', '/v1/audit/verify').catch(() => undefined) : undefined,
    ]);
    try {
      const cursor = text(query.cursor);
      const page = await client.get<EventsPage>('audit', '/v1/audit/events', {
        ...auditQuery(filters),
        cursor: cursor || undefined,
        limit: PAGE_SIZE,
      });
      const link = (extra: string) => `/audit/log?${[filterQuery, extra].filter(Boolean).join('&')}`;
      this.kit.send(response, session, 200, 'log', {
        ...model,
        checkpoint,
        verification,
        page,
        nextPageLink: page.continuationToken
          ? link(`cursor=${encodeURIComponent(page.continuationToken)}`)
          : undefined,
        firstPageLink: cursor ? link('') : undefined,
      });
    } catch (error) {
      this.kit.sendError(response, session, error, 'log', { ...model, checkpoint, verification });
    }
  }

  @Get('export')
  async export(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'auditor');
    if (!session) return;
    const format = query.format === 'csv' ? 'csv' : 'ndjson';
    try {
      const file = await this.kit
        .client(session)
        .download(
          'audit',
          '/v1/audit/export',
          { format, ...auditQuery(readLogFilters(query)) },
          format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        );
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader('Content-Disposition', `attachment; filename="audit-log.${format}"`);
      response.status(200).type(file.contentType).send(file.body);
    } catch (error) {
      this.kit.sendError(response, session, error, 'problem', { title: 'Export', message: '' });
    }
  }

  @Get('orders')
  orderSearch(@Query('orderId') orderId: unknown, @Req() request: Request, @Res() response: Response): void {
    const session = this.kit.signedIn(request, response, 'auditor');
    if (!session) return;
    const id = text(orderId);
    if (id) return response.redirect(303, `/audit/orders/${segment(id)}`);
    this.kit.send(response, session, 200, 'orders', { title: 'Why an order was decided', section: 'orders' });
  }

  @Get('orders/:orderId')
  async order(
    @Param('orderId') orderId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'auditor');
    if (!session) return;
    const model = { title: 'Why an order was decided', section: 'orders', orderId };
    try {
      const why = await this.kit
        .client(session)
        .get<OrderWhy>('audit', `/v1/audit/orders/${segment(orderId)}`);
      const data = why.decision?.envelope?.data ?? {};
      this.kit.send(response, session, 200, 'orders', {
        ...model,
        why,
        decidedAt: data.decidedAt,
        customerTenantId: why.decision?.customerTenantId ?? why.request?.customerTenantId,
      });
    } catch (error) {
      this.kit.sendError(response, session, error, 'orders', model);
    }
  }

  @Get('evidence')
  async evidence(
    @Query('customerTenantId') customerTenantId: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'auditor');
    if (!session) return;
    const id = text(customerTenantId).toLowerCase();
    const model = { title: 'Evidence packet', section: 'evidence', customerTenantId: id };
    if (!id) return this.kit.send(response, session, 200, 'evidence', model);
    try {
      const packet = await this.kit
        .client(session)
        .get<EvidencePacket>('audit', `/v1/audit/customers/${segment(id)}/evidence`);
      const timeline = timelineOf([...packet.acceptances, ...packet.relationships, ...packet.decisions]);
      this.kit.send(response, session, 200, 'evidence', { ...model, packet, timeline });
    } catch (error) {
      this.kit.sendError(response, session, error, 'evidence', model);
    }
  }

  /** The packet as the audit service gives it, as a file to hand on. */
  @Get('evidence/:customerTenantId/packet.json')
  async packet(
    @Param('customerTenantId') customerTenantId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const session = this.kit.signedIn(request, response, 'auditor');
    if (!session) return;
    const id = customerTenantId.toLowerCase();
    try {
      const file = await this.kit
        .client(session)
        .download('audit', `/v1/audit/customers/${segment(id)}/evidence`, {}, 'application/json');
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader(
        'Content-Disposition',
        `attachment; filename="evidence-${id.replace(/[^0-9a-f-]/g, '')}.json"`,
      );
      response.status(200).type('application/json').send(file.body);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      this.kit.sendError(response, session, error, 'evidence', {
        title: 'Evidence packet',
        section: 'evidence',
        customerTenantId: id,
      });
    }
  }
}
