import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Principal, Roles } from '@app/platform';

export class AuditEventsQuery {
  @IsOptional() @IsString() @Length(1, 64) customerTenantId?: string;
  @IsOptional() @IsString() @Length(1, 128) orderId?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

/**
 * The first read of the log, in arrival order. An `Auditor` reads across partners; anyone else
 * reads only events of its own partner. Keyset pagination, export and verification come with the
 * audit issue.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/events')
export class AuditEventsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Roles('Auditor', 'AdminAgent', 'SalesAgent', 'HelpdeskAgent')
  @ApiOperation({ summary: 'Page through the log (U-03), oldest first.' })
  async list(@Query() query: AuditEventsQuery, @CurrentPrincipal() principal: Principal) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (!principal.roles.includes('Auditor')) add('partner_id = ?', principal.tenantId);
    if (query.customerTenantId) add('customer_tenant_id = ?', query.customerTenantId.toLowerCase());
    if (query.orderId) add('order_id = ?', query.orderId);
    params.push(query.limit ?? 100);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT seq, event_id, event_type, topic, partition, "offset", received_at, envelope, invalid_reason
         FROM audit.events ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return {
      totalCount: rows.length,
      items: rows.map((r) => ({
        sequence: Number(r.seq),
        eventId: r.event_id,
        eventType: r.event_type,
        topic: r.topic,
        partition: r.partition,
        offset: String(r.offset),
        receivedAt: (r.received_at as Date).toISOString(),
        envelope: r.envelope,
        invalidReason: r.invalid_reason,
      })),
    };
  }
}
