import { bootstrapService, ConfigError, EXIT_CONFIG_ERROR } from '@app/platform';
import { loadRelationshipConfig } from './config';
import { ResellerRelationshipModule } from './reseller-relationship.module';

// The service's own settings are checked before anything starts, like the platform's.
try {
  loadRelationshipConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`reseller-relationship: refusing to start. ${error.message}\n`);
  process.exit(EXIT_CONFIG_ERROR);
}

void bootstrapService({
  service: 'reseller-relationship',
  module: (config) => ResellerRelationshipModule.forRoot(config),
  title: 'Reseller relationship',
  description:
    'Partners, customer tenants, relationship invitations and customers’ direct acceptance. Nobody is ever notified.',
});
