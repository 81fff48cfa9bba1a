import { bootstrapService } from '@app/platform';
import { ResellerRelationshipModule } from './reseller-relationship.module';

void bootstrapService({
  service: 'reseller-relationship',
  module: (config) => ResellerRelationshipModule.forRoot(config),
  title: 'Reseller relationship',
  description: 'Partners, customer tenants, relationship invitations and customers’ direct acceptance.',
});
