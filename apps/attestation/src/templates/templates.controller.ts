import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { CorrelationId, CurrentPrincipal, Principal, RequestId, Roles } from '@app/platform';
import { agreementTypeFilter } from '../attest/agreement-type-filter';
import { AttestationErrors } from '../attest/attestation-errors';
import { sendAnswer } from '../attest/attestations.controller';
import { PublishTemplateHandler, TemplateRow, toTemplateDto } from './publish-template.handler';
import {
  DEFAULT_COUNTRY,
  DEFAULT_LANGUAGE,
  normaliseCountry,
  normaliseLanguage,
  templateDocument,
} from './template-document';
import { PublishTemplateDto, TemplateCollectionDto, TemplateDocumentDto } from './template.dto';

function queryText(value: unknown, fallback: string): string | undefined {
  if (value === undefined || value === '') return fallback;
  return typeof value === 'string' ? value : undefined;
}

@ApiTags('agreement templates')
@ApiBearerAuth()
@Controller('v1')
export class TemplatesController {
  constructor(
    private readonly publish: PublishTemplateHandler,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  @Get('agreements')
  @ApiOperation({
    summary: 'Agreement template metadata (A-14): every published version, newest rank first per type.',
    description:
      'Omitted or `*` agreementType answers every type (the real API defaults to the Cloud Agreement). A retired template carries `retiredFrom` (T-06).',
  })
  @ApiQuery({
    name: 'agreementType',
    required: false,
    description: 'MicrosoftCustomerAgreement, MicrosoftCloudAgreement or *.',
  })
  @ApiResponse({ status: 200, type: TemplateCollectionDto })
  @ApiResponse({ status: 400, description: 'Bad agreementType (610116).' })
  async list(@Query('agreementType') agreementType: unknown): Promise<TemplateCollectionDto> {
    const type = agreementTypeFilter(agreementType);
    const rows: TemplateRow[] = await runSql(
      this.dataSource,
      sql`SELECT * FROM ${table(this.schema, 'templates')}
           WHERE (${type ?? null}::text IS NULL OR agreement_type = ${type ?? null})
           ORDER BY agreement_type DESC, version_rank DESC`,
    );
    const items = rows.map((row) => {
      const { publishedAt: _publishedAt, ...item } = toTemplateDto(row);
      return item;
    });
    return { totalCount: items.length, items, attributes: { objectType: 'Collection' } };
  }

  @Post('agreements')
  @Roles('PlatformAdmin')
  @ApiOperation({
    summary:
      'Publish a template version (PlatformAdmin); emits AgreementTemplatePublished on agreements.templates.',
    description: 'Publishing the same template again answers 200 with it and publishes nothing.',
  })
  @ApiHeader({ name: 'MS-RequestId', required: false, description: 'Idempotency key (A-13).' })
  @ApiResponse({ status: 201, description: 'Published.' })
  @ApiResponse({ status: 200, description: 'Already published, identical.' })
  @ApiResponse({ status: 400, description: 'Invalid body (610001).' })
  @ApiResponse({ status: 403, description: 'Not a PlatformAdmin (610003).' })
  @ApiResponse({
    status: 409,
    description:
      'Another template under this templateId (610113), or this versionRank is taken for the type (610114).',
  })
  @ApiResponse({ status: 422, description: 'MS-RequestId reused for another request (610111).' })
  @ApiResponse({ status: 503, description: 'Stored but not yet confirmed published (610104).' })
  async create(
    @Body() body: PublishTemplateDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @RequestId() requestId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    sendAnswer(
      res,
      await this.publish.execute({ adminTenantId: principal.tenantId, correlationId, requestId, body }),
    );
  }

  @Get('agreementtemplates/:templateId/document')
  @ApiOperation({
    summary: 'The document of a template for a country and language (A-15).',
    description:
      'displayUri = <agreementLink>?lang=<language>&country=<COUNTRY>; downloadUri adds &format=pdf. language defaults to en-US, country to US.',
  })
  @ApiParam({ name: 'templateId', format: 'uuid' })
  @ApiQuery({
    name: 'language',
    required: false,
    description: 'ISO 639-1, optionally with a region: en, en-US.',
  })
  @ApiQuery({ name: 'country', required: false, description: 'ISO 3166-1 alpha-2: US.' })
  @ApiResponse({ status: 200, type: TemplateDocumentDto })
  @ApiResponse({
    status: 400,
    description: 'Bad templateId (610008), language (610117) or country (610118).',
  })
  @ApiResponse({ status: 404, description: 'No such template (610121).' })
  async document(
    @Param('templateId', new ParseUUIDPipe({ version: undefined })) templateId: string,
    @Query('language') languageParam: unknown,
    @Query('country') countryParam: unknown,
  ): Promise<TemplateDocumentDto> {
    const languageText = queryText(languageParam, DEFAULT_LANGUAGE);
    const language = languageText === undefined ? undefined : normaliseLanguage(languageText);
    if (!language) throw AttestationErrors.invalidLanguage();
    const countryText = queryText(countryParam, DEFAULT_COUNTRY);
    const country = countryText === undefined ? undefined : normaliseCountry(countryText);
    if (!country) throw AttestationErrors.invalidCountry();
    const [row]: Array<{ agreement_link: string }> = await runSql(
      this.dataSource,
      sql`SELECT agreement_link FROM ${table(this.schema, 'templates')} WHERE template_id = ${templateId.toLowerCase()}`,
    );
    if (!row) throw AttestationErrors.templateNotFoundById();
    return templateDocument(row.agreement_link, language, country);
  }
}
