import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { PoolClient, QueryResult } from 'pg';
import { AGREEMENT_TYPES, AgreementType } from '@app/contracts';
import {
  answeringBusy,
  readerGone,
  ReaderGoneError,
  ReadPool,
  runSql,
  SERVICE_SCHEMA,
  sql,
  table,
} from '@app/messaging';
import { CurrentPrincipal, Principal, Roles } from '@app/platform';
import { ATTESTATION_STATUSES, AttestationStatus, PrimaryContactDto } from '../attest/attest-agreement.dto';
import { AttestationErrors } from '../attest/attestation-errors';
import { ATTESTATION_COLUMNS, AttestationRow, contactOf, statusOf } from '../attest/attestation-record';
import { decodeContinuationToken, encodeContinuationToken } from './continuation-token';
import { CSV_HEADER_LINE, csvLine } from './records-csv';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;
const CSV_CHUNK = 1000;
const BEFORE_EVERY_GUID = '00000000-0000-0000-0000-000000000000';

export class CustomerAgreementRecordDto {
  @ApiProperty({ format: 'uuid' }) customerTenantId: string;
  @ApiProperty({ enum: AGREEMENT_TYPES }) agreementType: AgreementType;
  @ApiProperty({ format: 'uuid' }) templateId: string;
  @ApiProperty({ format: 'date-time' }) dateAgreed: string;
  @ApiProperty({ type: PrimaryContactDto }) primaryContact: PrimaryContactDto;
  @ApiProperty({ enum: ATTESTATION_STATUSES }) status: AttestationStatus;
  @ApiProperty({ format: 'uuid' }) attestationId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiPropertyOptional() attestedBy?: string;
}

class CollectionAttributes {
  @ApiProperty({ example: 'Collection' }) objectType: 'Collection';
}

export class CustomerAgreementRecordsDto {
  @ApiProperty({ description: 'Records on this page.' }) totalCount: number;
  @ApiProperty({ type: [CustomerAgreementRecordDto] }) items: CustomerAgreementRecordDto[];
  @ApiPropertyOptional({
    description: 'Send it back as ?continuationToken= for the next page; absent on the last page.',
  })
  continuationToken?: string;
  @ApiProperty({ type: CollectionAttributes }) attributes: CollectionAttributes;
}

type RecordRow = AttestationRow;

function toRecord(row: RecordRow): CustomerAgreementRecordDto {
  return {
    customerTenantId: row.customer_tenant_id,
    agreementType: row.agreement_type,
    templateId: row.template_id,
    dateAgreed: row.date_agreed.toISOString(),
    primaryContact: contactOf(row.primary_contact),
    status: statusOf(row),
    attestationId: row.id,
    userId: row.user_id,
    ...(row.attested_by !== null ? { attestedBy: row.attested_by } : {}),
  };
}

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('v1/partners/customeragreementrecords')
export class CustomerAgreementRecordsController {
  /** S-08: the records are read on the read pool, never on the connections that attestations need. */
  constructor(
    private readonly readPool: ReadPool,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  @Get()
  @Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent')
  @ApiOperation({
    summary:
      'A-16: per customer of the calling partner, its last attestation (type, template, date agreed, contact).',
    description:
      'JSON pages in customer id order with an opaque continuation token; with `Accept: text/csv`, the whole list from the token on (or from the start), streamed as CSV.',
  })
  @ApiQuery({ name: 'continuationToken', required: false })
  @ApiQuery({
    name: 'size',
    required: false,
    description: `Page size, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}); JSON only.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 200, type: CustomerAgreementRecordsDto })
  @ApiResponse({ status: 400, description: 'Bad continuationToken (610115) or size (610120).' })
  @ApiResponse({
    status: 403,
    description: 'Role other than AdminAgent, SalesAgent or HelpdeskAgent (610003).',
  })
  @ApiResponse({ status: 503, description: 'Every connection for reports is busy (Retry-After).' })
  async list(
    @Query('continuationToken') tokenParam: unknown,
    @Query('size') sizeParam: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    let after = BEFORE_EVERY_GUID;
    if (tokenParam !== undefined && tokenParam !== '') {
      const decoded = typeof tokenParam === 'string' ? decodeContinuationToken(tokenParam) : undefined;
      if (!decoded) throw AttestationErrors.invalidContinuationToken();
      after = decoded;
    }
    let size = DEFAULT_PAGE_SIZE;
    if (sizeParam !== undefined && sizeParam !== '') {
      size = typeof sizeParam === 'string' && /^\d{1,3}$/.test(sizeParam) ? Number(sizeParam) : 0;
      if (size < 1 || size > MAX_PAGE_SIZE) throw AttestationErrors.invalidPageSize();
    }

    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      const signal = readerGone(res, this.readPool.stallTimeoutMs);
      try {
        await answeringBusy(res, () =>
          this.readPool.run((client) => this.streamCsv(client, principal.tenantId, after, res), signal),
        );
      } catch (error) {
        // The reader went away (or stopped reading for too long): there is no one left to answer.
        if (!(error instanceof ReaderGoneError)) throw error;
      }
      return;
    }
    const rows = await answeringBusy(res, () =>
      this.readPool.run((client) => this.page(client, principal.tenantId, after, size + 1), readerGone(res)),
    );
    const items = rows.slice(0, size).map(toRecord);
    const body: CustomerAgreementRecordsDto = {
      totalCount: items.length,
      items,
      ...(rows.length > size
        ? { continuationToken: encodeContinuationToken(items[items.length - 1].customerTenantId) }
        : {}),
      attributes: { objectType: 'Collection' },
    };
    res.status(200).json(body);
  }

  /** Each customer's newest attestation after `after`, in customer order, for this partner only. */
  private async page(
    client: PoolClient,
    partnerId: string,
    after: string,
    limit: number,
  ): Promise<RecordRow[]> {
    const { rows } = await runSql<QueryResult<RecordRow>>(
      client,
      sql`SELECT DISTINCT ON (customer_tenant_id) ${ATTESTATION_COLUMNS}
            FROM ${table(this.schema, 'attestations')}
           WHERE partner_id = ${partnerId} AND customer_tenant_id > ${after}
           ORDER BY customer_tenant_id, created_at DESC, id
           LIMIT ${limit}`,
    );
    return rows;
  }

  /** Page by page on one connection of the read pool, at the pace of the reader. */
  private async streamCsv(client: PoolClient, partnerId: string, from: string, res: Response): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="customer-agreement-records.csv"');
    res.write(CSV_HEADER_LINE);
    for (let after = from; ;) {
      const rows = await this.page(client, partnerId, after, CSV_CHUNK);
      for (const record of rows.map(toRecord)) {
        const ok = res.write(
          csvLine({
            customerTenantId: record.customerTenantId,
            agreementType: record.agreementType,
            templateId: record.templateId,
            dateAgreed: record.dateAgreed,
            firstName: record.primaryContact.firstName,
            lastName: record.primaryContact.lastName,
            email: record.primaryContact.email,
            phoneNumber: record.primaryContact.phoneNumber,
            status: record.status,
            attestationId: record.attestationId,
            userId: record.userId,
            attestedBy: record.attestedBy,
          }),
        );
        if (!ok) {
          await new Promise((resolve) => {
            res.once('drain', resolve);
            res.once('close', resolve);
          });
          if (res.destroyed) return;
        }
      }
      if (rows.length < CSV_CHUNK) break;
      after = rows[rows.length - 1].customer_tenant_id;
    }
    res.end();
  }
}
