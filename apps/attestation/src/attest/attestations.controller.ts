import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import {
  ApiError,
  CorrelationId,
  createValidationPipe,
  CurrentPrincipal,
  Principal,
  RequestId,
  Roles,
} from '@app/platform';
import { FinalizeEnhancedAttestationDto } from '../enhanced/enhanced-attestation.dto';
import { FinalizeEnhancedAttestationHandler } from '../enhanced/finalize-enhanced-attestation.handler';
import { HttpAnswer } from '../idempotency/idempotent-requests';
import { agreementTypeFilter } from './agreement-type-filter';
import {
  AttestAgreementDto,
  AttestationCollectionDto,
  AttestationResponseDto,
  WithdrawAttestationDto,
  WithdrawalResponseDto,
} from './attest-agreement.dto';
import { AttestAgreementHandler } from './attest-agreement.handler';
import { countAttestation, countRefusedAttestation } from './attestation-metrics';
import { ATTESTATION_COLUMNS, AttestationRow, toAttestationRecord } from './attestation-record';
import { WithdrawAttestationHandler } from '../withdraw/withdraw-attestation.handler';

const customerTenantIdPipe = new ParseUUIDPipe({ version: undefined });
const bodyValidation = createValidationPipe();

/** E-04: a body naming an attestationId finalizes an enhanced attestation; any other is a legacy attestation. */
function isFinalizeBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'attestationId' in body;
}

const REQUEST_ID_HEADER_DOC = {
  name: 'MS-RequestId',
  required: false,
  description:
    'Idempotency key (A-13): a retry with the same value from the same partner gets the first answer, byte for byte, and changes nothing. 1..128 printable ASCII characters.',
};
const CORRELATION_ID_HEADER_DOC = {
  name: 'MS-CorrelationId',
  required: false,
  description: 'Echoed back and carried into the events as correlationId.',
};

/** Sends an answer as stored, so a replay is byte for byte the first answer. */
export function sendAnswer(res: Response, answer: HttpAnswer): void {
  res.status(answer.status).type('application/json').send(answer.body);
}

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('v1/customers/:customerTenantId/agreements')
export class AttestationsController {
  constructor(
    private readonly attest: AttestAgreementHandler,
    private readonly withdraw: WithdrawAttestationHandler,
    private readonly finalize: FinalizeEnhancedAttestationHandler,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  @Post()
  @Roles('AdminAgent', 'SalesAgent')
  @ApiOperation({
    summary:
      'Attest that the customer accepted an agreement (A-01..A-13, A-17, T-06). Nobody is notified (A-10).',
    description:
      "The attesting user is the token's `oid` (a `userId` in the body is ignored). 201 when recorded; 200 with the current record when the body repeats it exactly (A-08: same template, contact and date), and nothing new is recorded. A newer attestation supersedes the current one of its type, which stays in history. Answers only once AgreementAttested is on `agreements.acceptance`.",
  })
  @ApiParam({ name: 'customerTenantId', format: 'uuid' })
  @ApiHeader(REQUEST_ID_HEADER_DOC)
  @ApiHeader(CORRELATION_ID_HEADER_DOC)
  @ApiExtraModels(AttestAgreementDto, FinalizeEnhancedAttestationDto)
  @ApiBody({
    description:
      'A legacy attestation (A-01), or, with an attestationId, the finalization of an accepted enhanced attestation (E-04): 201 with the record, whose contact and dateAgreed come from the acceptance; 200 with the same record when already finalized; 409 not yet accepted (610124), 410 expired (610125) or cancelled (610126), 404 unknown or another partner’s or customer’s (610123), 422 another template (610128).',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(AttestAgreementDto) },
        { $ref: getSchemaPath(FinalizeEnhancedAttestationDto) },
      ],
    },
  })
  @ApiResponse({ status: 201, type: AttestationResponseDto, description: 'Recorded.' })
  @ApiResponse({
    status: 200,
    type: AttestationResponseDto,
    description: 'An exact repeat of the current attestation (A-08).',
  })
  @ApiResponse({
    status: 400,
    description:
      'Invalid body (610001), bad customerTenantId (610008), bad MS-RequestId (610007), dateAgreed in the future (600002) or before 2000 (610119).',
  })
  @ApiResponse({ status: 401, description: 'No valid bearer token (610002).' })
  @ApiResponse({
    status: 403,
    description:
      'Role other than AdminAgent or SalesAgent (610003, A-05); indirect reseller (610105, A-06); partner not registered (610108, A-17); no active reseller relationship with the customer (610110, A-17).',
  })
  @ApiResponse({
    status: 404,
    description:
      'Customer tenant unknown (610109, A-17), answered only once every partner and customer fact published before the request is read (else 503, 610122).',
  })
  @ApiResponse({
    status: 422,
    description:
      'Template unknown (610101), of another type (610102) or retired (610103, T-06); partner (610106) or customer (610107) in a national cloud (A-07); MS-RequestId reused for another request (610111).',
  })
  @ApiResponse({
    status: 503,
    description:
      'Stored but not yet confirmed published (610104); or the partner and customer facts published before the request are not read yet (610122, A-17: never a 404 or 403 for a customer created a moment ago), with Retry-After. Retry with the same MS-RequestId.',
  })
  async create(
    @Param('customerTenantId', customerTenantIdPipe) customerTenantId: string,
    @Body() rawBody: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @RequestId() requestId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const finalizing = isFinalizeBody(rawBody);
    const metatype = finalizing ? FinalizeEnhancedAttestationDto : AttestAgreementDto;
    const body: unknown = await bodyValidation.transform(rawBody, { type: 'body', metatype, data: '' });
    const command = {
      partnerId: principal.tenantId,
      userId: principal.userId,
      customerTenantId,
      correlationId,
      requestId,
    };
    const answer = await (
      finalizing
        ? this.finalize.execute({ ...command, body: body as FinalizeEnhancedAttestationDto })
        : this.attest.execute({ ...command, body: body as AttestAgreementDto })
    ).catch((err: unknown) => {
      countRefusedAttestation(err);
      const retryAfter = err instanceof ApiError ? err.parameters.retryAfterSeconds : undefined;
      if (retryAfter !== undefined) res.setHeader('Retry-After', retryAfter);
      throw err;
    });
    countAttestation(answer.status);
    sendAnswer(res, answer);
  }

  @Get()
  @Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent')
  @ApiOperation({
    summary: "The calling partner's attestations for the customer, newest first, history included (A-14).",
    description: "Only the calling partner's own attestations: another partner's are never shown.",
  })
  @ApiParam({ name: 'customerTenantId', format: 'uuid' })
  @ApiQuery({
    name: 'agreementType',
    required: false,
    description: 'MicrosoftCustomerAgreement, MicrosoftCloudAgreement, or * / omitted for every type.',
  })
  @ApiResponse({ status: 200, type: AttestationCollectionDto })
  @ApiResponse({ status: 400, description: 'Bad customerTenantId (610008) or agreementType (610116).' })
  @ApiResponse({
    status: 403,
    description: 'Role other than AdminAgent, SalesAgent or HelpdeskAgent (610003).',
  })
  async list(
    @Param('customerTenantId', customerTenantIdPipe) customerTenantId: string,
    @Query('agreementType') agreementType: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AttestationCollectionDto> {
    const type = agreementTypeFilter(agreementType);
    const rows: AttestationRow[] = await runSql(
      this.dataSource,
      sql`SELECT ${ATTESTATION_COLUMNS} FROM ${table(this.schema, 'attestations')}
           WHERE partner_id = ${principal.tenantId} AND customer_tenant_id = ${customerTenantId.toLowerCase()}
             AND (${type ?? null}::text IS NULL OR agreement_type = ${type ?? null})
           ORDER BY created_at DESC, id`,
    );
    return {
      totalCount: rows.length,
      items: rows.map(toAttestationRecord),
      attributes: { objectType: 'Collection' },
    };
  }

  @Post('withdrawals')
  @Roles('AdminAgent', 'SalesAgent')
  @ApiOperation({
    summary: 'Withdraw the current attestation of a type: the customer no longer agrees (A-12).',
    description:
      'Publishes AgreementAttestationWithdrawn; from then on the gate blocks your orders for the customer and you must cancel its subscriptions. The attestation stays in history.',
  })
  @ApiParam({ name: 'customerTenantId', format: 'uuid' })
  @ApiHeader(REQUEST_ID_HEADER_DOC)
  @ApiHeader(CORRELATION_ID_HEADER_DOC)
  @ApiResponse({ status: 201, type: WithdrawalResponseDto })
  @ApiResponse({ status: 400, description: 'Invalid body (610001) or customerTenantId (610008).' })
  @ApiResponse({ status: 403, description: 'Role other than AdminAgent or SalesAgent (610003).' })
  @ApiResponse({ status: 404, description: 'No current attestation of this type to withdraw (610112).' })
  @ApiResponse({ status: 422, description: 'MS-RequestId reused for another request (610111).' })
  @ApiResponse({ status: 503, description: 'Stored but not yet confirmed published (610104).' })
  async createWithdrawal(
    @Param('customerTenantId', customerTenantIdPipe) customerTenantId: string,
    @Body() body: WithdrawAttestationDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @RequestId() requestId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.withdraw.execute({
      partnerId: principal.tenantId,
      userId: principal.userId,
      customerTenantId,
      correlationId,
      requestId,
      body,
    });
    sendAnswer(res, answer);
  }
}
