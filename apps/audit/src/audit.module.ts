import { DynamicModule, Module } from '@nestjs/common';
import { outboxLeaseMigration, ServiceInfrastructureModule } from '@app/messaging';
import { PartnerDirectory, ServiceConfig } from '@app/platform';
import { loadAuditConfig } from './audit-config';
import { AUDIT_CONFIG, AuditCheckpoints } from './checkpoints/audit-checkpoints';
import { CheckpointsController } from './checkpoints/checkpoints.controller';
import { AllTopicsConsumer } from './log/all-topics.consumer';
import { AuditLogController } from './log/audit-log.controller';
import { AuditPartnerDirectory } from './log/audit-partner-directory';
import { AuditReads } from './log/audit-reads';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';
import { ChainedLog1763800000000 } from './migrations/1763800000000-chained-log';
import { EventIdentity1764100000000 } from './migrations/1764100000000-event-identity';
import { RuntimeRoleAndCheckpoints1764300000000 } from './migrations/1764300000000-runtime-role-and-checkpoints';

export const AUDIT_SCHEMA = 'audit';
export const AUDIT_MIGRATIONS = [
  Foundation1763700000000,
  ChainedLog1763800000000,
  EventIdentity1764100000000,
  outboxLeaseMigration(AUDIT_SCHEMA),
  RuntimeRoleAndCheckpoints1764300000000,
];

@Module({})
export class AuditModule {
  /** Reads the audit's own settings (signing key, runtime role, ...) from `env`: a ConfigError names each bad one. */
  static forRoot(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const audit = loadAuditConfig(env, config);
    return {
      module: AuditModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: AUDIT_SCHEMA,
          migrations: AUDIT_MIGRATIONS,
          runtimeDatabaseUrl: audit.runtimeDatabaseUrl,
          readPool: true,
        }),
      ],
      controllers: [AuditLogController, CheckpointsController],
      providers: [
        { provide: AUDIT_CONFIG, useValue: audit },
        AllTopicsConsumer,
        AuditReads,
        AuditCheckpoints,
        { provide: PartnerDirectory, useClass: AuditPartnerDirectory },
      ],
    };
  }
}
