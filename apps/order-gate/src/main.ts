import { bootstrapService, ConfigError, EXIT_CONFIG_ERROR } from '@app/platform';
import { loadGateSettings } from './config';
import { OrderGateModule } from './order-gate.module';

// The service's own settings are checked before anything starts, like the platform's.
try {
  loadGateSettings(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`order-gate: refusing to start. ${error.message}\n`);
  process.exit(EXIT_CONFIG_ERROR);
}

void bootstrapService({
  service: 'order-gate',
  module: (config) => OrderGateModule.forRoot(config),
  title: 'Order gate',
  description:
    'Decides every OrderRequested exactly once from its own projection of the acceptance facts, and publishes OrderApproved or OrderBlocked.',
});
