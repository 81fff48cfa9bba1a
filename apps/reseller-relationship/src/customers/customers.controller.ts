import { Body, Controller, Delete, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentPrincipal, Principal, Roles } from '@app/platform';
import { CreateCustomerHandler } from './create-customer.handler';
import {
  CreateCustomerDto,
  CustomerDto,
  RelationshipTerminationDto,
  TerminateRelationshipQueryDto,
} from './customers.dto';
import { TerminateRelationshipHandler } from './terminate-relationship.handler';

const PENDING = 'Stored but not yet confirmed published (610200, retryable): retrying is safe.';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly create: CreateCustomerHandler,
    private readonly terminate: TerminateRelationshipHandler,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('AdminAgent', 'SalesAgent')
  @ApiOperation({
    summary: 'Create a customer tenant under the calling partner (D-01). Emits CustomerTenantCreated.',
    description:
      'Establishes the reseller relationship. An existing tenant id is never taken over: 409 (610201) and the ' +
      'invitation flow (GET /v1/customers/relationshiprequests). The same partner resending the same customer ' +
      'gets the stored one. Nobody is notified.',
  })
  @ApiResponse({ status: 201, type: CustomerDto })
  @ApiResponse({ status: 400, description: 'Invalid body (610001).' })
  @ApiResponse({ status: 409, description: 'The customer tenant exists already (610201).' })
  @ApiResponse({ status: 503, description: PENDING })
  createCustomer(
    @Body() body: CreateCustomerDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<CustomerDto> {
    return this.create.execute(principal.tenantId, body, correlationId);
  }

  @Delete(':customerTenantId/relationship')
  @HttpCode(200)
  @Roles('AdminAgent')
  @ApiOperation({
    summary:
      "Terminate the calling partner's relationship with the customer (D-08). Emits ResellerRelationshipTerminated.",
    description: 'Terminating again answers the first termination.',
  })
  @ApiResponse({ status: 200, type: RelationshipTerminationDto })
  @ApiResponse({ status: 403, description: 'No relationship with this customer (610216).' })
  @ApiResponse({ status: 503, description: PENDING })
  terminateRelationship(
    @Param('customerTenantId', new ParseUUIDPipe({ version: undefined })) customerTenantId: string,
    @Query() query: TerminateRelationshipQueryDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
  ): Promise<RelationshipTerminationDto> {
    return this.terminate.execute(
      principal.tenantId,
      customerTenantId.toLowerCase(),
      query.reason,
      correlationId,
    );
  }
}
