// The contract registry, importable as one module: the event-type table and message validation.
export * from './event-types';
export * from './validate-event';
