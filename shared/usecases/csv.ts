import { formatDollars } from '../domain/money.ts';
import type { PayoutRow } from '../domain/ports.ts';

/** The export's columns, in order; the header row is exactly these names. */
export const CSV_COLUMNS = [
  'payout_id',
  'affiliate_id',
  'status',
  'amount_cents',
  'amount_dollars',
  'currency',
  'payment_method',
  'payment_email',
  'transaction_id',
  'requested_at',
  'processed_at',
  'processed_by',
  'notes',
] as const;

/** RFC 4180 line break. */
const EOL = '\r\n';
/** What a spreadsheet would start a formula (or DDE command) with. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One text cell: a leading formula character gets a `'` so Excel, Sheets and LibreOffice show it as text instead
 * of running it; then RFC 4180 quoting (quotes around a cell holding a comma, quote, CR or LF; inner quotes doubled).
 * @example csvCell('=HYPERLINK("x")') // `"'=HYPERLINK(""x"")"`
 */
export function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole number cell (cents); numbers are written as they are, never neutralized. */
function numberCell(value: number): string {
  return String(value);
}

export function csvLine(cells: readonly string[]): string {
  return cells.join(',') + EOL;
}

/** The header row, with its line break. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS);
}

/** One payout as a CSV row, amounts in cents and in dollars (exact, integer arithmetic). */
export function payoutCsvRow(row: PayoutRow): string {
  return csvLine([
    csvCell(row.payout_id),
    csvCell(row.affiliate_id),
    csvCell(row.status),
    numberCell(row.amount),
    formatDollars(row.amount),
    csvCell(row.currency ?? 'USD'),
    csvCell(row.payment_method),
    csvCell(row.payment_email),
    csvCell(row.transaction_id),
    csvCell(row.requested_at),
    csvCell(row.processed_at),
    csvCell(row.processed_by),
    csvCell(row.notes),
  ]);
}

/**
 * A CSV document: the header row, then one row per payout.
 * @example payoutsCsv([]) // "payout_id,affiliate_id,…,notes\r\n"
 */
export function payoutsCsv(rows: Iterable<PayoutRow>): string {
  let text = csvHeader();
  for (const row of rows) text += payoutCsvRow(row);
  return text;
}
