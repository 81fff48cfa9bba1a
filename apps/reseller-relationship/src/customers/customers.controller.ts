import { Body, Controller, Delete, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CorrelationId, CurrentPrincipal, Principal, RequestId, Roles } from '@app/platform';
import { CreateCustomerHandler } from './create-customer.handler';
import {
  CreateCustomerDto,
  CustomerDto,
  RelationshipTerminationDto,
  TerminateRelationshipQueryDto,
} from './customers.dto';
import { TerminateRelationshipHandler } from './terminate-relationship.handler';

const PENDING =
  'Stored but not yet confirmed published (610200, retryable): retrying is safe (for a customer, with the same MS-RequestId).';

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
      'Establishes the reseller relationship. The customer id is generated and answered (S-02): a body with an "id" ' +
      'is refused (400, 610217); to work with an existing tenant, send it an invitation ' +
      "(GET /v1/customers/relationshiprequests). The customer is in the calling partner's registered cloud (S-01): " +
      '"cloud" may be omitted, and any other cloud is refused (400, 610218). Retry with the same MS-RequestId to get ' +
      'the customer created by the first attempt. Nobody is notified.',
  })
  @ApiHeader({
    name: 'MS-RequestId',
    required: false,
    description:
      'Idempotency key: a retry with the same value from the same partner answers the customer the first attempt created, and creates nothing.',
  })
  @ApiResponse({ status: 201, type: CustomerDto })
  @ApiResponse({
    status: 400,
    description:
      'Invalid body (610001); an "id" (610217: ids are assigned by the system); a cloud other than your registered one (610218).',
  })
  @ApiResponse({ status: 403, description: 'Your partner tenant is not registered (610219).' })
  @ApiResponse({ status: 422, description: 'MS-RequestId used before for another customer (610220).' })
  @ApiResponse({ status: 503, description: PENDING })
  createCustomer(
    @Body() body: CreateCustomerDto,
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @RequestId() requestId: string | undefined,
  ): Promise<CustomerDto> {
    return this.create.execute(principal.tenantId, body, correlationId, requestId);
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
