import { bootstrapService, ConfigError, EXIT_CONFIG_ERROR } from '@app/platform';
import { AttestationModule } from './attestation.module';
import { loadAttestationSettings } from './config';

// The service's own settings are checked before anything starts, like the platform's.
try {
  loadAttestationSettings(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`attestation: refusing to start. ${error.message}\n`);
  process.exit(EXIT_CONFIG_ERROR);
}

void bootstrapService({
  service: 'attestation',
  module: (config) => AttestationModule.forRoot(config),
  title: 'Attestation',
  description:
    "Partner Center–compatible attestation of customers' acceptance of the Microsoft agreements. Nobody is ever notified.",
});
