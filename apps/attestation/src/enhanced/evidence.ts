/*
 * E-03: the evidence record of an acceptance, its canonical JSON (keys sorted, no whitespace) and the SHA-256
 * that seals it, and the check of what the signatory typed against whom the attestation was opened for.
 */
import { createHash } from 'crypto';

export interface EvidenceRecord {
  attestationId: string;
  acceptedAt: string;
  clientAddress: string;
  userAgent: string;
  templateId: string;
  agreementLink: string;
  language: string;
  country: string;
  typedFirstName: string;
  typedLastName: string;
  typedEmail: string;
  shownTextHash: string;
}

/** JSON with every object's keys in code-point order and no whitespace: the same record, the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function evidenceHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export type TypedField = 'signatoryFirstName' | 'signatoryLastName' | 'signatoryEmail' | 'accept';
export interface TypedProblem {
  field: TypedField;
  code: 'Required' | 'DoesNotMatch' | 'MustAccept';
}

/** Trimmed, case-insensitive, Unicode-normalised: "  ADA " is "Ada". */
const fold = (text: string): string => text.normalize('NFC').trim().toLocaleLowerCase('und');

/**
 * E-03: what is wrong with what the signatory typed, in the form's order; empty when the names and email match
 * the signatory the attestation was opened for and the acceptance is ticked.
 */
export function typedProblems(
  expected: { firstName: string; lastName: string; email: string },
  typed: {
    signatoryFirstName: unknown;
    signatoryLastName: unknown;
    signatoryEmail: unknown;
    accept: unknown;
  },
): TypedProblem[] {
  const problems: TypedProblem[] = [];
  const check = (field: TypedField, value: unknown, want: string) => {
    if (typeof value !== 'string' || value.trim() === '') problems.push({ field, code: 'Required' });
    else if (value.length > 1000 || fold(value) !== fold(want))
      problems.push({ field, code: 'DoesNotMatch' });
  };
  check('signatoryFirstName', typed.signatoryFirstName, expected.firstName);
  check('signatoryLastName', typed.signatoryLastName, expected.lastName);
  check('signatoryEmail', typed.signatoryEmail, expected.email);
  if (typed.accept !== true) problems.push({ field: 'accept', code: 'MustAccept' });
  return problems;
}
