/** The audit's schema. Its statements and migrations take it as a parameter and never name it themselves. */
export const AUDIT_SCHEMA = 'audit';

/** The Nest token the schema is injected under, into every provider that runs SQL. */
export const AUDIT_SCHEMA_TOKEN = 'AUDIT_SCHEMA';
