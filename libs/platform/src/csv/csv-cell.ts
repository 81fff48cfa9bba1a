/**
 * One CSV cell, the same rule in every export (S-10): RFC 4180 quoting, and a cell that a
 * spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return) is prefixed with an apostrophe, which spreadsheets show as text. Partner-supplied text
 * (a contact's name, an order id, a message key) reaches these files.
 *
 * `csvCell` renders a cell in TypeScript; `csvCellSql` is the same rule as a PostgreSQL
 * expression, for exports that PostgreSQL renders itself (the audit's COPY).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n']/;

export function csvCell(value: string | null | undefined): string {
  if (value === undefined || value === null) return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** PostgreSQL regular expressions (AREs) of the two patterns above, as standard string literals. */
const FORMULA_START_SQL = `'^[=+@\\t\\r-]'`;
const NEEDS_QUOTES_SQL = `'[",\\r\\n'']'`;

/**
 * `csvCell` as a PostgreSQL expression over a text `expression` (evaluated more than once: pass a
 * column or a cheap expression). NULL renders as an empty cell.
 */
export function csvCellSql(expression: string): string {
  const safe = `(CASE WHEN (${expression}) ~ ${FORMULA_START_SQL} THEN '''' || (${expression}) ELSE (${expression}) END)`;
  return `(CASE WHEN (${expression}) IS NULL THEN ''
     WHEN ${safe} ~ ${NEEDS_QUOTES_SQL} THEN '"' || replace(${safe}, '"', '""') || '"'
     ELSE ${safe} END)`;
}
