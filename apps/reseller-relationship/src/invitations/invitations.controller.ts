import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentPrincipal, CustomerRoute, Principal, Roles } from '@app/platform';
import { CUSTOMER_TOKEN_NOTE } from '../direct-acceptance/direct-acceptance.controller';
import { AcceptInvitationHandler } from './accept-invitation.handler';
import { AcceptInvitationDto, InvitationAcceptanceDto, RelationshipRequestDto } from './invitations.dto';
import { RequestRelationshipHandler } from './request-relationship.handler';

@ApiTags('relationship invitations')
@ApiBearerAuth()
@Controller('v1')
export class InvitationsController {
  constructor(
    private readonly request: RequestRelationshipHandler,
    private readonly accept: AcceptInvitationHandler,
  ) {}

  @Get('customers/relationshiprequests')
  @Roles('AdminAgent')
  @ApiOperation({
    summary:
      'A new invitation for a reseller relationship with the calling partner (D-02). Emits ResellerRelationshipRequested.',
    description:
      'Each call issues a new signed, expiring, single-use invitation. Nothing is sent: give the URL to the customer by your own means.',
  })
  @ApiResponse({ status: 200, type: RelationshipRequestDto })
  @ApiResponse({ status: 503, description: 'Stored but not yet confirmed published (610200, retryable).' })
  requestRelationship(
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<RelationshipRequestDto> {
    return this.request.execute(principal.tenantId, correlationId);
  }

  @Post('invitations/:token/accept')
  @HttpCode(200)
  @CustomerRoute()
  @ApiParam({ name: 'token', description: 'The token of the invitation URL.' })
  @ApiOperation({
    summary:
      'The customer accepts the invitation (D-03), and may accept the Microsoft Customer Agreement in the same step. Emits ResellerRelationshipAccepted (and CustomerAgreementAccepted).',
    description: `${CUSTOMER_TOKEN_NOTE} Accepting the same invitation again answers the first acceptance. A tenant known here keeps its cloud; a new one takes the inviting partner's registered cloud (S-01).`,
  })
  @ApiResponse({ status: 200, type: InvitationAcceptanceDto })
  @ApiResponse({
    status: 400,
    description:
      "Invalid body (610001), a forged or malformed token (610206), or a new tenant naming another cloud than the inviting partner's (610218, S-01).",
  })
  @ApiResponse({ status: 403, description: 'A partner token (610003).' })
  @ApiResponse({ status: 404, description: 'No such invitation (610209).' })
  @ApiResponse({ status: 409, description: 'The invitation was used by another customer (610208).' })
  @ApiResponse({
    status: 422,
    description:
      'Expired (610207); unknown tenant without its country (610210); a known tenant contradicting its recorded cloud or country (610211: they never change, S-01); inviting partner not registered (610221); Customer Agreement refused (610213, 610214, 610215).',
  })
  @ApiResponse({ status: 503, description: 'Stored but not yet confirmed published (610200, retryable).' })
  acceptInvitation(
    @Param('token') token: string,
    @Body() body: AcceptInvitationDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<InvitationAcceptanceDto> {
    return this.accept.execute(principal.tenantId, token, body, correlationId);
  }
}
