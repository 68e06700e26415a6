/** Money is integer cents everywhere. These helpers are the only place a dollar figure is ever formatted. */

export type Cents = number;

/** 123456 -> "1234.56"; -5 -> "-0.05". Exact: integer arithmetic, no floats. */
export function formatDollars(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "$1,234.56", for human sentences in error messages. */
export function describeCents(cents: Cents): string {
  const [whole = '0', fraction = '00'] = formatDollars(cents).split('.');
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}
