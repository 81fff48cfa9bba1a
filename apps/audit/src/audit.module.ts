import { DynamicModule, Module } from '@nestjs/common';
import { outboxLeaseMigration, ServiceInfrastructureModule } from '@app/messaging';
import { PartnerDirectory, ServiceConfig } from '@app/platform';
import { loadAuditConfig } from './audit-config';
import { AUDIT_CONFIG, AuditCheckpoints } from './checkpoints/audit-checkpoints';
import { CheckpointsController } from './checkpoints/checkpoints.controller';
import { AllTopicsConsumer } from './log/all-topics.consumer';
import { AuditChainMetrics } from './log/audit-metrics';
import { AuditLogController } from './log/audit-log.controller';
import { AuditPartnerDirectory } from './log/audit-partner-directory';
import { AuditReads } from './log/audit-reads';
import { AUDIT_SCHEMA } from './audit-schema';
import { foundation } from './migrations/1763700000000-foundation';
import { chainedLog } from './migrations/1763800000000-chained-log';
import { eventIdentity } from './migrations/1764100000000-event-identity';
import { runtimeRoleAndCheckpoints } from './migrations/1764300000000-runtime-role-and-checkpoints';

export { AUDIT_SCHEMA } from './audit-schema';

/** The audit's migrations, in order, on one schema. */
export function auditMigrations(schema: string) {
  return [
    foundation(schema),
    chainedLog(schema),
    eventIdentity(schema),
    outboxLeaseMigration(schema),
    runtimeRoleAndCheckpoints(schema),
  ];
}

export const AUDIT_MIGRATIONS = auditMigrations(AUDIT_SCHEMA);

@Module({})
export class AuditModule {
  /**
   * Reads the audit's own settings (signing key, runtime role, ...) from `env`: a ConfigError names each bad one.
   * `schema` is where its tables live; every statement and migration takes it from here.
   */
  static forRoot(
    config: ServiceConfig,
    env: NodeJS.ProcessEnv = process.env,
    schema: string = AUDIT_SCHEMA,
  ): DynamicModule {
    const audit = loadAuditConfig(env, config);
    return {
      module: AuditModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema,
          migrations: auditMigrations(schema),
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
        AuditChainMetrics,
        { provide: PartnerDirectory, useClass: AuditPartnerDirectory },
      ],
    };
  }
}
