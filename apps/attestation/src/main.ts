import { bootstrapService } from '@app/platform';
import { AttestationModule } from './attestation.module';

void bootstrapService({
  service: 'attestation',
  module: (config) => AttestationModule.forRoot(config),
  title: 'Attestation',
  description:
    "Partner Center–compatible attestation of customers' acceptance of the Microsoft agreements. Nobody is ever notified.",
});
