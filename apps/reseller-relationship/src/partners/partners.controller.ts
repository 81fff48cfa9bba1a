import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentPrincipal, Principal, Roles } from '@app/platform';
import { LinkIndirectResellerHandler } from './link-indirect-reseller.handler';
import {
  IndirectResellerLinkDto,
  LinkIndirectResellerDto,
  PartnerDto,
  RegisterPartnerDto,
} from './partners.dto';
import { RegisterPartnerHandler } from './register-partner.handler';

const PENDING = 'Stored but not yet confirmed published (610200, retryable): retrying is safe.';

@ApiTags('partners')
@ApiBearerAuth()
@Controller('v1')
export class PartnersController {
  constructor(
    private readonly register: RegisterPartnerHandler,
    private readonly link: LinkIndirectResellerHandler,
  ) {}

  @Post('partners')
  @HttpCode(201)
  @Roles('PlatformAdmin')
  @ApiOperation({
    summary: 'Register a partner tenant (PlatformAdmin). Emits PartnerRegistered.',
    description: 'Registering the same partner again with the same facts answers the stored record.',
  })
  @ApiResponse({ status: 201, type: PartnerDto })
  @ApiResponse({ status: 400, description: 'Invalid body (610001).' })
  @ApiResponse({ status: 403, description: 'Caller is not a PlatformAdmin (610003).' })
  @ApiResponse({ status: 409, description: 'Already registered with other facts (610202).' })
  @ApiResponse({ status: 503, description: PENDING })
  registerPartner(
    @Body() body: RegisterPartnerDto,
    @CorrelationId() correlationId: string,
  ): Promise<PartnerDto> {
    return this.register.execute(body, correlationId);
  }

  @Post('indirect-resellers')
  @HttpCode(201)
  @Roles('AdminAgent')
  @ApiOperation({
    summary:
      'An indirect provider links an indirect reseller it works with (D-07). Emits IndirectResellerLinked.',
  })
  @ApiResponse({ status: 201, type: IndirectResellerLinkDto })
  @ApiResponse({ status: 403, description: 'The caller is not a registered IndirectProvider (610203).' })
  @ApiResponse({
    status: 422,
    description: 'The reseller is not registered (610204) or not an IndirectReseller (610205).',
  })
  @ApiResponse({ status: 503, description: PENDING })
  linkIndirectReseller(
    @Body() body: LinkIndirectResellerDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<IndirectResellerLinkDto> {
    return this.link.execute(principal.tenantId, body.resellerPartnerId, correlationId);
  }
}
