import { DynamicModule, Module } from '@nestjs/common';
import { outboxLeaseMigration, ServiceInfrastructureModule } from '@app/messaging';
import { PartnerDirectory, ServiceConfig } from '@app/platform';
import { AllTopicsConsumer } from './log/all-topics.consumer';
import { AuditLogController } from './log/audit-log.controller';
import { AuditPartnerDirectory } from './log/audit-partner-directory';
import { AuditReads } from './log/audit-reads';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';
import { ChainedLog1763800000000 } from './migrations/1763800000000-chained-log';
import { EventIdentity1764100000000 } from './migrations/1764100000000-event-identity';

export const AUDIT_SCHEMA = 'audit';
export const AUDIT_MIGRATIONS = [
  Foundation1763700000000,
  ChainedLog1763800000000,
  EventIdentity1764100000000,
  outboxLeaseMigration(AUDIT_SCHEMA),
];

@Module({})
export class AuditModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: AUDIT_SCHEMA,
          migrations: AUDIT_MIGRATIONS,
        }),
      ],
      controllers: [AuditLogController],
      providers: [
        AllTopicsConsumer,
        AuditReads,
        { provide: PartnerDirectory, useClass: AuditPartnerDirectory },
      ],
    };
  }
}
