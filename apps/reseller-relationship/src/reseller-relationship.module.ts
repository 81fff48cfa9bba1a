import { DynamicModule, Module } from '@nestjs/common';
import { outboxLeaseMigration, ServiceInfrastructureModule } from '@app/messaging';
import { PartnerDirectory, ServiceConfig } from '@app/platform';
import { loadRelationshipConfig } from './config';
import { CustomersModule } from './customers/customers.module';
import { DirectAcceptanceModule } from './direct-acceptance/direct-acceptance.module';
import { InvitationsModule } from './invitations/invitations.module';
import { foundationMigration } from './migrations/1763700000000-foundation';
import { relationshipsMigration } from './migrations/1764000000000-relationships';
import { customerRequestIdsMigration } from './migrations/1764300000000-customer-request-ids';
import { PartnersModule } from './partners/partners.module';
import { RegisteredPartners } from './partners/registered-partners';

export const RESELLER_RELATIONSHIP_SCHEMA = 'reseller_relationship';

/** In order; scripts/migrate.ts should import this list rather than name each migration. */
export const RESELLER_RELATIONSHIP_MIGRATIONS = [
  foundationMigration(RESELLER_RELATIONSHIP_SCHEMA),
  relationshipsMigration(RESELLER_RELATIONSHIP_SCHEMA),
  outboxLeaseMigration(RESELLER_RELATIONSHIP_SCHEMA),
  customerRequestIdsMigration(RESELLER_RELATIONSHIP_SCHEMA),
];

/** Partners, customer tenants, relationship invitations and customers' direct acceptance. */
@Module({})
export class ResellerRelationshipModule {
  /** Reads this service's own settings from `env` (see config.ts); throws a ConfigError naming a bad one. */
  static forRoot(
    config: ServiceConfig,
    env: Record<string, string | undefined> = process.env,
  ): DynamicModule {
    const relationshipConfig = loadRelationshipConfig(env, { jwtSecret: config.jwt.secret });
    return {
      module: ResellerRelationshipModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: RESELLER_RELATIONSHIP_SCHEMA,
          migrations: RESELLER_RELATIONSHIP_MIGRATIONS,
        }),
        PartnersModule,
        CustomersModule,
        InvitationsModule.forRoot(relationshipConfig),
        DirectAcceptanceModule,
      ],
      providers: [{ provide: PartnerDirectory, useClass: RegisteredPartners }],
    };
  }
}
