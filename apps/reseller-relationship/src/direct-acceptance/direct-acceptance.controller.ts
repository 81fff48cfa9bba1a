import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentPrincipal, CustomerRoute, Principal, Roles } from '@app/platform';
import { AcceptAgreementDirectlyHandler } from './accept-agreement-directly.handler';
import {
  AcceptAgreementDirectlyDto,
  CustomerAgreementDto,
  DirectSignedStatusDto,
} from './direct-acceptance.dto';
import { DirectSignedStatusHandler } from './direct-signed-status.handler';

export const CUSTOMER_TOKEN_NOTE =
  'Customer token only: `roles: ["Customer"]` and the customer tenant id in `tid`. A partner token is refused (403, 610003).';

const customerTenantIdPipe = new ParseUUIDPipe({ version: undefined });

@ApiTags('direct acceptance')
@ApiBearerAuth()
@Controller('v1/customers/:customerTenantId')
export class DirectAcceptanceController {
  constructor(
    private readonly accept: AcceptAgreementDirectlyHandler,
    private readonly status: DirectSignedStatusHandler,
  ) {}

  @Post('agreements/direct')
  @HttpCode(201)
  @CustomerRoute()
  @ApiOperation({
    summary:
      'The customer accepts the Microsoft Customer Agreement directly (D-04). Emits CustomerAgreementAccepted.',
    description: `${CUSTOMER_TOKEN_NOTE} The path id must equal the token's tid. Not in national clouds (A-07). A tenant known here keeps its cloud (S-01); one not known yet is recorded in the Public cloud. Sending the same acceptance again answers the stored one.`,
  })
  @ApiResponse({ status: 201, type: CustomerAgreementDto })
  @ApiResponse({ status: 400, description: 'Invalid body (610001) or dateAgreed in the future (600002).' })
  @ApiResponse({
    status: 403,
    description: "A partner token (610003), or another tenant than the token's (610212).",
  })
  @ApiResponse({
    status: 422,
    description:
      'Unknown template (610213), not a Customer Agreement (610214), national cloud (610215), unknown tenant without its country (610210), a known tenant contradicting its recorded cloud or country (610211: they never change, S-01).',
  })
  @ApiResponse({ status: 503, description: 'Stored but not yet confirmed published (610200, retryable).' })
  acceptDirectly(
    @Param('customerTenantId', customerTenantIdPipe) customerTenantId: string,
    @Body() body: AcceptAgreementDirectlyDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<CustomerAgreementDto> {
    return this.accept.execute(principal.tenantId, customerTenantId.toLowerCase(), body, correlationId);
  }

  @Get('directSignedMicrosoftCustomerAgreementStatus')
  @Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent')
  @ApiOperation({
    summary: 'Whether the customer accepted the Microsoft Customer Agreement directly (D-05).',
    description: 'Only for a partner with an active relationship to the customer.',
  })
  @ApiResponse({ status: 200, type: DirectSignedStatusDto })
  @ApiResponse({ status: 403, description: 'No active relationship with this customer (610216).' })
  directSignedStatus(
    @Param('customerTenantId', customerTenantIdPipe) customerTenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DirectSignedStatusDto> {
    return this.status.execute(principal.tenantId, customerTenantId.toLowerCase());
  }
}
