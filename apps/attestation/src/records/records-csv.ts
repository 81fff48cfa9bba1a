import { csvCell } from '@app/platform';

/* A-16's CSV export: RFC 4180 quoting, and cells that a spreadsheet would run as a formula are
 * prefixed with an apostrophe (a contact's name is caller-supplied text): csvCell, the rule every
 * CSV export shares (S-10). */

export const RECORD_CSV_COLUMNS = [
  'customerTenantId',
  'agreementType',
  'templateId',
  'dateAgreed',
  'firstName',
  'lastName',
  'email',
  'phoneNumber',
  'status',
  'attestationId',
  'userId',
  'attestedBy',
] as const;

export type RecordCsvRow = Record<(typeof RECORD_CSV_COLUMNS)[number], string | undefined>;

export function csvLine(row: RecordCsvRow): string {
  return `${RECORD_CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')}\r\n`;
}

export const CSV_HEADER_LINE = `${RECORD_CSV_COLUMNS.join(',')}\r\n`;
