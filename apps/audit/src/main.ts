import { bootstrapService } from '@app/platform';
import { AuditModule } from './audit.module';

void bootstrapService({
  service: 'audit',
  module: (config) => AuditModule.forRoot(config),
  title: 'Audit',
  description: 'Keeps every event of every topic once, append-only, for auditors. It never notifies anyone.',
});
