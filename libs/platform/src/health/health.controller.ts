import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { ReadinessRegistry, type CheckOutcome } from './readiness.registry';

@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @ApiOperation({ summary: 'The process is up.', security: [] })
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @ApiOperation({ summary: 'Every readiness check passes (503 names the ones that do not).', security: [] })
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<{
    status: 'ok' | 'unavailable';
    checks: Record<string, CheckOutcome>;
    failed?: string[];
  }> {
    const report = await this.readiness.check();
    if (report.ready) return { status: 'ok', checks: report.checks };
    response.status(HttpStatus.SERVICE_UNAVAILABLE);
    const failed = Object.entries(report.checks)
      .filter(([, outcome]) => outcome !== 'ok')
      .map(([name]) => name);
    return { status: 'unavailable', checks: report.checks, failed };
  }
}
