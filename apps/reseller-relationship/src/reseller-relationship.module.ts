import { DynamicModule, Module } from '@nestjs/common';
import { ServiceInfrastructureModule } from '@app/messaging';
import { ServiceConfig } from '@app/platform';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';

export const RESELLER_RELATIONSHIP_SCHEMA = 'reseller_relationship';

/** Partners, customer tenants, invitations and direct acceptance arrive with their own issue. */
@Module({})
export class ResellerRelationshipModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: ResellerRelationshipModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: RESELLER_RELATIONSHIP_SCHEMA,
          migrations: [Foundation1763700000000],
        }),
      ],
    };
  }
}
