import { bootstrapService } from '@app/platform';
import { OrderGateModule } from './order-gate.module';

void bootstrapService({
  service: 'order-gate',
  module: (config) => OrderGateModule.forRoot(config),
  title: 'Order gate',
  description:
    'Decides every OrderRequested exactly once from its own projection of the acceptance facts, and publishes OrderApproved or OrderBlocked.',
});
