import { DynamicModule, Module } from '@nestjs/common';
import { ServiceInfrastructureModule } from '@app/messaging';
import { ServiceConfig } from '@app/platform';
import { AttestAgreementHandler } from './attest/attest-agreement.handler';
import { AttestationsController } from './attest/attestations.controller';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';

export const ATTESTATION_SCHEMA = 'attestation';

@Module({})
export class AttestationModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AttestationModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: ATTESTATION_SCHEMA,
          migrations: [Foundation1763700000000],
        }),
      ],
      controllers: [AttestationsController],
      providers: [AttestAgreementHandler],
    };
  }
}
