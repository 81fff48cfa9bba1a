import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { OrderRequestedV1 } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { CurrentPrincipal, Principal, Roles } from '@app/platform';
import { ORDER_GATE_SCHEMA } from '../config';
import { OrderDecider } from '../decision/order-decider';
import { loadViews } from '../projection/gate-views';
import { parseAsOf } from './as-of';
import { GateErrors } from './gate-errors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 500;
/** G-11: when a pre-check could not be sure the facts were read, how soon to ask again. */
const PRECHECK_RETRY_AFTER_SECONDS = 2;

function probeOrder(partnerId: string, customerTenantId: string, at: Date = new Date()): OrderRequestedV1 {
  return {
    orderId: `probe-${randomUUID()}`,
    partnerId,
    customerTenantId,
    kind: 'NewPurchase',
    channel: 'Api',
    requestedAt: at.toISOString(),
    lineItems: [],
  };
}

@ApiTags('order gate')
@ApiBearerAuth()
@Controller('v1')
@Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent')
export class GateController {
  constructor(
    private readonly decider: OrderDecider,
    private readonly dataSource: DataSource,
  ) {}

  @Post('orders/precheck')
  @HttpCode(200)
  @ApiOperation({ summary: 'The decision the gate would take now for this order, with no event (G-12)' })
  @ApiResponse({
    status: 503,
    description: 'The facts are not read up to now yet (G-11): retry after Retry-After.',
  })
  async precheck(
    @CurrentPrincipal() principal: Principal,
    @Body() order: OrderRequestedV1,
    @Res({ passthrough: true }) response: Response,
  ) {
    if (order.partnerId.toLowerCase() !== principal.tenantId.toLowerCase())
      throw GateErrors.partnerMismatch();
    const decisions = await this.decider.previewWhenCaughtUp([order]);
    if (!decisions) {
      response.setHeader('Retry-After', String(PRECHECK_RETRY_AFTER_SECONDS));
      throw GateErrors.factsNotCaughtUp(PRECHECK_RETRY_AFTER_SECONDS);
    }
    return { orderId: order.orderId, ...decisions.get(order.orderId)! };
  }

  @Get('customers/:customerTenantId/acceptance')
  @ApiOperation({ summary: "The calling partner's projected acceptance status for the customer" })
  async status(
    @CurrentPrincipal() principal: Principal,
    @Param('customerTenantId') customerTenantId: string,
  ) {
    if (!GUID.test(customerTenantId)) throw GateErrors.invalidCustomerTenantId();
    const probe = probeOrder(principal.tenantId, customerTenantId.toLowerCase());
    const { views, decisions } = await this.previewWithViews([probe]);
    const view = views.get(probe.orderId)!;
    const next = decisions.get(probe.orderId)!;
    return {
      partnerId: probe.partnerId,
      customerTenantId: probe.customerTenantId,
      customerCloud: view.customerCloud,
      relationshipActive: view.relationship.partner,
      acceptances: view.acceptances,
      enhancedAttestation: view.enhancedAttestation ?? null,
      nextNewPurchase: next,
      policyVersion: this.decider.policy.id,
    };
  }

  @Get('compliance/at-risk')
  @ApiOperation({
    summary:
      "The partner's customers whose next NewPurchase would be blocked, and what to do (G-13); with asOf, judged as if " +
      'requested then under the policy in force then (who will be blocked when the next entry takes effect, GET /v1/policy), ' +
      'on the facts held now. A pending enhanced attestation is named (G-15).',
  })
  @ApiQuery({ name: 'continuationToken', required: false })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description: 'ISO 8601 date-time or date: judge each next order as if requested then (default now)',
    example: '2026-01-05T00:00:00Z',
  })
  @ApiResponse({ status: 400, description: 'InvalidContinuationToken (610303) or InvalidAsOf (610305).' })
  async atRisk(
    @CurrentPrincipal() principal: Principal,
    @Query('continuationToken') token?: string,
    @Query('asOf') asOfParam?: string,
  ) {
    if (token !== undefined && (typeof token !== 'string' || !GUID.test(token)))
      throw GateErrors.invalidContinuationToken();
    const asOf = asOfParam === undefined ? new Date() : parseAsOf(asOfParam);
    if (!asOf) throw GateErrors.invalidAsOf();
    const partnerId = principal.tenantId.toLowerCase();
    const after = token ?? null;
    const rows: Array<{ customer_tenant_id: string }> = await runSql(
      this.dataSource,
      sql`SELECT customer_tenant_id FROM (
            SELECT customer_tenant_id FROM ${table(ORDER_GATE_SCHEMA, 'relationships')} WHERE partner_id = ${partnerId}
            UNION SELECT customer_tenant_id FROM ${table(ORDER_GATE_SCHEMA, 'acceptances')} WHERE partner_id = ${partnerId}
            UNION SELECT customer_tenant_id FROM ${table(ORDER_GATE_SCHEMA, 'enhanced_attestations')}
              WHERE partner_id = ${partnerId}) c
          WHERE ${after}::uuid IS NULL OR customer_tenant_id > ${after}::uuid
          ORDER BY customer_tenant_id LIMIT ${PAGE_SIZE + 1}`,
    );
    const page = rows.slice(0, PAGE_SIZE);
    const probes = page.map((r) => probeOrder(partnerId, r.customer_tenant_id, asOf));
    const decisions = await this.decider.preview(probes);
    const items = probes
      .map((p) => ({ customerTenantId: p.customerTenantId, decision: decisions.get(p.orderId)! }))
      .filter(({ decision }) => decision.outcome === 'Blocked')
      .map(({ customerTenantId, decision }) => ({
        customerTenantId,
        reason: decision.reason,
        whatToDo: decision.message,
        evidence: decision.evidence,
        ...(decision.pendingAttestation ? { pendingAttestation: decision.pendingAttestation } : {}),
      }));
    return {
      totalCount: items.length,
      items,
      continuationToken: rows.length > PAGE_SIZE ? page[page.length - 1].customer_tenant_id : null,
      asOf: asOf.toISOString(),
      policyVersion: this.decider.policy.id,
      attributes: { objectType: 'Collection' },
    };
  }

  private async previewWithViews(orders: OrderRequestedV1[]) {
    const views = await loadViews(this.dataSource.manager, ORDER_GATE_SCHEMA, orders);
    const decisions = await this.decider.preview(orders);
    return { views, decisions };
  }
}
