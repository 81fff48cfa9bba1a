import { DynamicModule, Module } from '@nestjs/common';
import { ServiceInfrastructureModule } from '@app/messaging';
import { ServiceConfig } from '@app/platform';
import { AllTopicsConsumer } from './log/all-topics.consumer';
import { AuditEventsController } from './log/audit-events.controller';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';

export const AUDIT_SCHEMA = 'audit';

@Module({})
export class AuditModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: AUDIT_SCHEMA,
          migrations: [Foundation1763700000000],
        }),
      ],
      controllers: [AuditEventsController],
      providers: [AllTopicsConsumer],
    };
  }
}
