/** The audit's schema. Its statements and migrations take it as a parameter and never name it themselves. */
export const AUDIT_SCHEMA = 'audit';
