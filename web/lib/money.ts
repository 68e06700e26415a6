/**
 * Dollars for people, cents for the API: integer arithmetic only, as shared/domain/money.ts does on the server.
 * (That module is not imported here: the pages bundle nothing from the server but its types.)
 */

/** 123456 -> "$1,234.56"; -5 -> "-$0.05". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** 123456 -> "1234.56": the value an amount input holds. */
export function centsToInput(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export type ParsedAmount = { ok: true; cents: number } | { ok: false; message: string };

/**
 * "1,234.5" -> 123450 cents, read digit by digit (never through a float). More than two decimals is refused, as the
 * server refuses anything but whole cents.
 */
export function parseDollars(input: string): ParsedAmount {
  const text = input.trim().replace(/^\$/, '').replace(/,/g, '');
  if (text === '') return { ok: false, message: 'Enter an amount.' };
  const match = /^(\d{1,9})(?:\.(\d*))?$/.exec(text) ?? /^()\.(\d+)$/.exec(text);
  if (!match) return { ok: false, message: 'Enter the amount in dollars, like 50 or 50.25.' };
  const fraction = match[2] ?? '';
  if (fraction.length > 2) return { ok: false, message: 'The amount must be in whole cents (at most two decimals).' };
  const cents = Number(match[1] || '0') * 100 + Number(fraction.padEnd(2, '0'));
  if (cents <= 0) return { ok: false, message: 'The amount must be greater than zero.' };
  return { ok: true, cents };
}
