import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { SERVICE_SCHEMA } from '@app/messaging';
import { ApiError, CorrelationId, CurrentPrincipal, Principal, RequestId, Roles } from '@app/platform';
import { sendAnswer } from '../attest/attestations.controller';
import { HttpAnswer } from '../idempotency/idempotent-requests';
import { CancelEnhancedAttestationHandler } from './cancel-enhanced-attestation.handler';
import {
  EnhancedAttestationCollectionDto,
  EnhancedAttestationDto,
  StartedEnhancedAttestationDto,
  StartEnhancedAttestationDto,
} from './enhanced-attestation.dto';
import { EnhancedErrors } from './enhanced-errors';
import { readEnhanced, toEnhancedAttestationDto } from './enhanced-reads';
import { StartEnhancedAttestationHandler } from './start-enhanced-attestation.handler';

const uuidPipe = new ParseUUIDPipe({ version: undefined });
const REQUEST_ID = { name: 'MS-RequestId', required: false, description: 'Idempotency key (A-13).' };
const CORRELATION_ID = {
  name: 'MS-CorrelationId',
  required: false,
  description: 'Echoed, and in the events.',
};

/** Sends the answer, with Retry-After on a 503 that names one. */
export async function answer(res: Response, run: () => Promise<HttpAnswer>): Promise<void> {
  const result = await run().catch((err: unknown) => {
    const retryAfter = err instanceof ApiError ? err.parameters.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) res.setHeader('Retry-After', retryAfter);
    throw err;
  });
  sendAnswer(res, result);
}

/** E-01, E-05, E-08: the partner's side of the enhanced attestation (the page is under enhanced/page). */
@ApiTags('enhanced attestations')
@ApiBearerAuth()
@Controller('v1')
export class EnhancedAttestationsController {
  constructor(
    private readonly start: StartEnhancedAttestationHandler,
    private readonly cancelHandler: CancelEnhancedAttestationHandler,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  @Post('attestations/enhanced')
  @Roles('AdminAgent')
  @ApiOperation({
    summary: "E-01: open an enhanced attestation for a customer's signatory, with an acceptance link.",
    description:
      'Under the current Customer Agreement template. The link is yours to share: the system never sends it to anyone (E-06). Emits EnhancedAttestationStarted on agreements.acceptance (E-07).',
  })
  @ApiHeader(REQUEST_ID)
  @ApiHeader(CORRELATION_ID)
  @ApiResponse({ status: 201, type: StartedEnhancedAttestationDto })
  @ApiResponse({ status: 400, description: 'Invalid body (610001).' })
  @ApiResponse({
    status: 403,
    description:
      'Not an AdminAgent (610003); indirect reseller (610105, A-06); partner not registered (610108); no active relationship (610110).',
  })
  @ApiResponse({ status: 404, description: 'Customer unknown (610109).' })
  @ApiResponse({
    status: 422,
    description:
      'Partner (610106) or customer (610107) in a national cloud; no current Customer Agreement template (610129); MS-RequestId reused (610111).',
  })
  @ApiResponse({
    status: 503,
    description: 'Not yet confirmed published (610104) or facts pending (610122).',
  })
  async create(
    @Body() body: StartEnhancedAttestationDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @RequestId() requestId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await answer(res, () =>
      this.start.execute({
        partnerId: principal.tenantId,
        userId: principal.userId,
        correlationId,
        requestId,
        body,
      }),
    );
  }

  @Get('attestations/enhanced/:attestationId')
  @Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent')
  @ApiOperation({
    summary: 'E-05: one of your enhanced attestations, its status and, once accepted, its evidence summary.',
  })
  @ApiParam({ name: 'attestationId', format: 'uuid' })
  @ApiResponse({ status: 200, type: EnhancedAttestationDto })
  @ApiResponse({ status: 404, description: 'Unknown, or another partner’s (610123, E-08).' })
  async get(
    @Param('attestationId', uuidPipe) attestationId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnhancedAttestationDto> {
    const [row] = await readEnhanced(this.dataSource, this.schema, principal.tenantId, {
      id: attestationId.toLowerCase(),
    });
    if (!row) throw EnhancedErrors.notFound();
    return toEnhancedAttestationDto(row, new Date());
  }

  @Get('customers/:customerTenantId/attestations/enhanced')
  @Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent')
  @ApiOperation({
    summary: "E-05: your enhanced attestations for the customer, newest first (never another partner's).",
  })
  @ApiParam({ name: 'customerTenantId', format: 'uuid' })
  @ApiResponse({ status: 200, type: EnhancedAttestationCollectionDto })
  async list(
    @Param('customerTenantId', uuidPipe) customerTenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnhancedAttestationCollectionDto> {
    const now = new Date();
    const rows = await readEnhanced(this.dataSource, this.schema, principal.tenantId, {
      customerTenantId: customerTenantId.toLowerCase(),
    });
    const items = rows.map((row) => toEnhancedAttestationDto(row, now));
    return { totalCount: items.length, items, attributes: { objectType: 'Collection' } };
  }

  @Post('attestations/enhanced/:attestationId/cancel')
  @Roles('AdminAgent')
  @ApiOperation({
    summary: 'E-05: cancel a pending enhanced attestation; its link then records nothing.',
    description: 'Emits EnhancedAttestationCancelled (E-07). Answers 200 with the attestation.',
  })
  @ApiParam({ name: 'attestationId', format: 'uuid' })
  @ApiHeader(REQUEST_ID)
  @ApiHeader(CORRELATION_ID)
  @ApiResponse({ status: 200, type: EnhancedAttestationDto })
  @ApiResponse({ status: 404, description: 'Unknown, or another partner’s (610123, E-08).' })
  @ApiResponse({ status: 409, description: 'Not pending (610127).' })
  async cancel(
    @Param('attestationId', uuidPipe) attestationId: string,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @RequestId() requestId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await answer(res, () =>
      this.cancelHandler.execute({
        partnerId: principal.tenantId,
        userId: principal.userId,
        attestationId,
        correlationId,
        requestId,
      }),
    );
  }
}
