import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import type { Response } from 'express';
import { answeringBusy, ReaderGoneError, ReadPool, readerGone } from '@app/messaging';
import { CurrentPrincipal, Principal, Roles } from '@app/platform';
import type { AuditConfig } from '../audit-config';
import { AUDIT_CONFIG } from '../checkpoints/audit-checkpoints';
import { Checkpoint, checkpointVerifies } from '../checkpoints/checkpoint';
import { AuditErrors } from './audit-errors';
import { CSV_HEADER } from './audit-export';
import { AuditQueryParams, Reader, toAuditFilter, toPageRequest } from './audit-query';
import { observeVerification } from './audit-metrics';
import { AuditReads } from './audit-reads';

/** Strings as they arrive; `audit-query.ts` checks them and answers with the audit's own codes. */
export class AuditEventsQuery implements AuditQueryParams {
  @IsOptional() @IsString() partnerId?: string;
  @IsOptional() @IsString() customerTenantId?: string;
  @IsOptional() @IsString() orderId?: string;
  @IsOptional() @IsString() eventType?: string;
  @IsOptional() @IsString() from?: string;
  @IsOptional() @IsString() to?: string;
  @IsOptional() @IsString() cursor?: string;
  @IsOptional() @IsString() limit?: string;
}

/** A checkpoint an auditor kept (GET /v1/audit/checkpoints/latest), to verify against instead of the stored ones. */
export class AuditVerifyQuery {
  @IsOptional() @IsString() sequence?: string;
  @IsOptional() @IsString() hash?: string;
  @IsOptional() @IsString() at?: string;
  @IsOptional() @IsString() keyId?: string;
  @IsOptional() @IsString() signature?: string;
}

export class AuditExportQuery extends AuditEventsQuery {
  @IsOptional() @IsString() format?: string;
}

const READERS = ['Auditor', 'AdminAgent', 'SalesAgent', 'HelpdeskAgent'] as const;

function readerOf(principal: Principal): Reader {
  return { tenantId: principal.tenantId, isAuditor: principal.roles.includes('Auditor') };
}

/**
 * The log, read-only. An `Auditor` reads across partners; a partner user reads only the events
 * whose partner is its own tenant (see audit-record.ts for which partner an event is about). A
 * customer token gets 403 from the platform guard. Nothing here, nor anywhere in this service,
 * sends anything to anyone (U-06).
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditLogController {
  constructor(
    private readonly reads: AuditReads,
    private readonly readPool: ReadPool,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
  ) {}

  @Get('events')
  @Roles(...READERS)
  @ApiOperation({
    summary: 'Page through the log in arrival order (U-03).',
    description:
      'Filters: partnerId, customerTenantId, orderId, eventType, from (inclusive) and to (exclusive) on the event time. ' +
      'Keyset pagination: pass continuationToken (also given as nextCursor) back as cursor; null on the last page.',
  })
  @ApiResponse({ status: 400, description: 'Bad cursor (610400), filter (610401) or time range (610402).' })
  @ApiResponse({ status: 403, description: "A partner naming another partner's id (610404)." })
  @ApiResponse({ status: 503, description: 'Every connection for reads is busy (Retry-After).' })
  list(
    @Query() query: AuditEventsQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const request = toPageRequest(query, readerOf(principal));
    return answeringBusy(res, () => this.reads.page(request, readerGone(res)));
  }

  @Get('export')
  @Roles(...READERS)
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOperation({
    summary: 'Stream the log, or the part the filters select, as NDJSON or CSV (U-03).',
    description:
      'Memory stays flat however large the log is: rows are streamed as they are read, at the pace of the reader.',
  })
  @ApiResponse({ status: 400, description: 'format is not ndjson or csv (610403), or a bad filter.' })
  @ApiResponse({ status: 503, description: 'Every connection for exports is busy (Retry-After).' })
  async export(
    @Query() query: AuditExportQuery,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const { format = 'ndjson', ...params } = query;
    if (format !== 'ndjson' && format !== 'csv') throw AuditErrors.unsupportedExportFormat();
    if (params.cursor !== undefined || params.limit !== undefined) {
      throw AuditErrors.invalidFilter(
        params.cursor !== undefined ? 'cursor' : 'limit',
        'absent on an export',
      );
    }
    const filter = toAuditFilter(params, readerOf(principal));
    const csv = format === 'csv';
    const begin = () => {
      res.status(200);
      res.setHeader('Content-Type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="audit-log.${csv ? 'csv' : 'ndjson'}"`);
      if (csv) res.write(CSV_HEADER);
    };
    const signal = readerGone(res, this.readPool.stallTimeoutMs);
    try {
      await answeringBusy(res, () => this.reads.export(filter, format, res, { begin, signal }));
    } catch (error) {
      // The reader went away (or stopped reading for too long): the export stopped, and no one is left to answer.
      if (
        error instanceof ReaderGoneError ||
        (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE'
      ) {
        return;
      }
      throw error;
    }
  }

  @Get('verify')
  @Roles('Auditor')
  @ApiOperation({
    summary:
      'Recompute the hash chain of the whole log and check it against the latest signed checkpoint (U-02, U-07).',
    description:
      '`{ ok, checked, firstBrokenSequence, checkpoint }`: the first sequence whose row was changed or removed; ' +
      "for a chain recomputed by someone holding the database, the checkpoint's sequence; for a log cut short or " +
      'a head moved back, the first sequence the checkpoint vouches for that is missing. `checkpoint` is the one ' +
      'checked against (null when none verifies with the configured key). Pass a checkpoint you kept ' +
      '(sequence, hash, at, keyId, signature as GET /v1/audit/checkpoints/latest gave them) to verify against it instead.',
  })
  @ApiResponse({
    status: 400,
    description:
      'A kept checkpoint that is incomplete, or whose signature does not verify with the key (610407).',
  })
  verify(@Query() query: AuditVerifyQuery, @Res({ passthrough: true }) res: Response) {
    const kept = this.keptCheckpoint(query);
    return answeringBusy(res, () => this.reads.verify(readerGone(res), kept).then(observeVerification));
  }

  private keptCheckpoint(q: AuditVerifyQuery): Checkpoint | undefined {
    const given = [q.sequence, q.hash, q.at, q.keyId, q.signature];
    if (given.every((v) => v === undefined)) return undefined;
    const checkpoint = {
      sequence: /^\d{1,15}$/.test(q.sequence ?? '') ? Number(q.sequence) : NaN,
      hash: q.hash ?? '',
      at: q.at ?? '',
      keyId: q.keyId ?? '',
      signature: q.signature ?? '',
    };
    if (Number.isNaN(checkpoint.sequence) || !checkpointVerifies(checkpoint, this.config.publicKey)) {
      throw AuditErrors.invalidCheckpoint();
    }
    return checkpoint;
  }

  @Get('customers/:customerTenantId/evidence')
  @Roles(...READERS)
  @ApiOperation({ summary: "A customer's acceptances, relationships and order decisions, grouped (U-04)." })
  evidence(
    @Param('customerTenantId') customerTenantId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const filter = toAuditFilter({ customerTenantId }, readerOf(principal));
    return answeringBusy(res, () => this.reads.evidence(filter.customerTenantId!, filter, readerGone(res)));
  }

  @Get('orders/:orderId')
  @Roles(...READERS)
  @ApiOperation({
    summary:
      'Why an order was approved or blocked: the decision, its request, the acceptance and the policy (U-05).',
  })
  @ApiResponse({
    status: 404,
    description: 'No request or decision of this order that the caller may read (610405).',
  })
  async order(
    @Param('orderId') orderId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const filter = toAuditFilter({ orderId }, readerOf(principal));
    const why = await answeringBusy(res, () => this.reads.orderWhy(orderId, filter, readerGone(res)));
    if (!why) throw AuditErrors.orderNotFound(orderId);
    return why;
  }
}
