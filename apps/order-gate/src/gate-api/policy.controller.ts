import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform';
import { GATE_POLICY } from '../decision/order-decider';
import { Policy } from '../policy/policy';
import { describePolicy } from '../policy/policy-view';

/** The timeline in force (T-01..T-08): what a partner's orders are judged by, and where its dates come from. */
@ApiTags('order gate')
@ApiBearerAuth()
@Controller('v1')
@Roles('AdminAgent', 'SalesAgent', 'HelpdeskAgent', 'Auditor')
export class PolicyController {
  constructor(@Inject(GATE_POLICY) private readonly policy: Policy) {}

  @Get('policy')
  @ApiOperation({
    summary:
      'The policy timeline in force and its version: each entry with its dates, what it does, whether it is on, and its sources (T-01..T-08)',
  })
  @ApiResponse({ status: 200, description: '{ policyVersion, description, entries[], nextEntry, settings }' })
  read() {
    return describePolicy(this.policy, new Date());
  }
}
