import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentPrincipal, Principal, Roles } from '@app/platform';
import { AttestAgreementDto, AttestationResponseDto } from './attest-agreement.dto';
import { AttestAgreementHandler } from './attest-agreement.handler';

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('v1/customers/:customerTenantId/agreements')
export class AttestationsController {
  constructor(private readonly attest: AttestAgreementHandler) {}

  @Post()
  @HttpCode(201)
  @Roles('AdminAgent', 'SalesAgent')
  @ApiOperation({
    summary: 'Attest that the customer accepted an agreement (A-01..A-08). Nobody is notified (A-10).',
  })
  @ApiResponse({ status: 201, type: AttestationResponseDto })
  @ApiResponse({ status: 400, description: 'Invalid body (610001) or dateAgreed in the future (600002).' })
  @ApiResponse({ status: 403, description: 'Role other than AdminAgent or SalesAgent (A-05).' })
  @ApiResponse({
    status: 422,
    description: 'Template unknown (610101), of another type (610102) or retired (610103).',
  })
  @ApiResponse({
    status: 503,
    description: 'Stored but not yet confirmed published (610104); retry with the same MS-RequestId.',
  })
  create(
    @Param('customerTenantId', new ParseUUIDPipe({ version: undefined })) customerTenantId: string,
    @Body() body: AttestAgreementDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<AttestationResponseDto> {
    return this.attest.execute({
      partnerId: principal.tenantId,
      userId: principal.userId,
      customerTenantId,
      correlationId,
      body,
    });
  }
}
