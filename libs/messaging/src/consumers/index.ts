export * from './consumer-runner';
export * from './consumer-spec';
