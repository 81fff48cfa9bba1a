export * from './database';
export * from './eventually';
export * from './infra';
export * from './kafka';
export * from './service';
export * from './audit-signing-key';
export * from './given-running-service';
export * from './given-running-instances';
