import { DynamicModule, Module } from '@nestjs/common';
import { EnhancedAttestationMetrics } from './attest/attestation-metrics';
import { outboxLeaseMigration, ServiceInfrastructureModule } from '@app/messaging';
import { PartnerDirectory, ServiceConfig } from '@app/platform';
import { AttestAgreementHandler } from './attest/attest-agreement.handler';
import { AttestationsController } from './attest/attestations.controller';
import { LegacyPublication } from './attest/legacy-publication';
import { LegacyWrites } from './attest/legacy-writes';
import {
  ATTESTATION_SCHEMA,
  ATTESTATION_SETTINGS,
  AttestationSettings,
  loadAttestationSettings,
} from './config';
import { IdempotentRequests } from './idempotency/idempotent-requests';
import { foundationMigration } from './migrations/1763700000000-foundation';
import { attestationCompleteMigration } from './migrations/1763900000000-attestation-complete';
import { firstKnownCloudMigration } from './migrations/1764320000000-first-known-cloud';
import { enhancedAttestationsMigration } from './migrations/1764500000000-enhanced-attestations';
import { recordLegacyAttestationMigration } from './migrations/1764900000000-record-legacy-attestation';
import { CancelEnhancedAttestationHandler } from './enhanced/cancel-enhanced-attestation.handler';
import { EnhancedAttestationsController } from './enhanced/enhanced-attestations.controller';
import { EnhancedAttestationsService } from './enhanced/enhanced-attestations.service';
import { EnhancedExpirySweep } from './enhanced/expiry-sweep';
import { FinalizeEnhancedAttestationHandler } from './enhanced/finalize-enhanced-attestation.handler';
import { StartEnhancedAttestationHandler } from './enhanced/start-enhanced-attestation.handler';
import {
  AcceptancePageController,
  ACCEPTANCE_PAGE_PROVIDERS,
} from './enhanced/page/acceptance-page.controller';
import { CustomerAgreementRecordsController } from './records/customer-agreement-records.controller';
import { AttestationFactsReader } from './relationships/attestation-facts';
import { AttestationPartnerDirectory } from './relationships/attestation-partner-directory';
import { PartnersRelationshipsConsumer } from './relationships/partners-relationships.consumer';
import { PublishTemplateHandler } from './templates/publish-template.handler';
import { TemplatesController } from './templates/templates.controller';
import { WithdrawAttestationHandler } from './withdraw/withdraw-attestation.handler';

export { ATTESTATION_SCHEMA };
export const ATTESTATION_MIGRATIONS = [
  foundationMigration(ATTESTATION_SCHEMA),
  attestationCompleteMigration(ATTESTATION_SCHEMA),
  outboxLeaseMigration(ATTESTATION_SCHEMA),
  firstKnownCloudMigration(ATTESTATION_SCHEMA),
  enhancedAttestationsMigration(ATTESTATION_SCHEMA),
  recordLegacyAttestationMigration(ATTESTATION_SCHEMA),
];

/**
 * Partner Center–compatible attestation: the template catalog, attestations and their withdrawal,
 * the per-partner records, and this service's copy of `partners.relationships`.
 */
@Module({})
export class AttestationModule {
  /** `settings` override what `env` says (tests); a bad variable throws a ConfigError naming it. */
  static forRoot(
    config: ServiceConfig,
    settings: Partial<AttestationSettings> = {},
    env: Record<string, string | undefined> = process.env,
  ): DynamicModule {
    const resolved: AttestationSettings = { ...loadAttestationSettings(env), ...settings };
    return {
      module: AttestationModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: ATTESTATION_SCHEMA,
          migrations: ATTESTATION_MIGRATIONS,
          readPool: true,
        }),
      ],
      controllers: [
        AttestationsController,
        TemplatesController,
        CustomerAgreementRecordsController,
        EnhancedAttestationsController,
        AcceptancePageController,
      ],
      providers: [
        { provide: ATTESTATION_SETTINGS, useValue: resolved },
        IdempotentRequests,
        AttestationFactsReader,
        PartnersRelationshipsConsumer,
        AttestAgreementHandler,
        LegacyPublication,
        LegacyWrites,
        WithdrawAttestationHandler,
        PublishTemplateHandler,
        EnhancedAttestationsService,
        StartEnhancedAttestationHandler,
        FinalizeEnhancedAttestationHandler,
        CancelEnhancedAttestationHandler,
        EnhancedExpirySweep,
        ...ACCEPTANCE_PAGE_PROVIDERS,
        EnhancedAttestationMetrics,
        { provide: PartnerDirectory, useClass: AttestationPartnerDirectory },
      ],
    };
  }
}
