import { describe, expect, it } from 'vitest';
import type { PayoutRow } from '../../shared/domain/ports.ts';
import { CSV_COLUMNS, csvCell, csvHeader, payoutCsvRow, payoutsCsv } from '../../shared/usecases/csv.ts';
import { parseCsv } from '../support/csv.ts';

const row = (overrides: Partial<PayoutRow> = {}): PayoutRow => ({
  payout_id: 'p-1',
  affiliate_id: 'aff-1',
  amount: 123_456,
  payment_method: 'paypal',
  payment_email: 'a@example.com',
  status: 'completed',
  requested_at: '2024-03-01T09:00:00.000Z',
  processed_at: '2024-03-02T10:00:00.000Z',
  processed_by: 'admin-1',
  transaction_id: 'PP-1',
  notes: 'paid',
  ...overrides,
});

describe('Function: csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', `"'\rCR"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a=b', 'a=b'],
  ])('%j -> %j', (input, expected) => {
    // Act + Assess
    expect(csvCell(input)).toBe(expected);
  });

  it('writes null and undefined as empty cells', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });
});

describe('Function: payoutsCsv', () => {
  it('starts with the header row, in the documented order', () => {
    expect(csvHeader()).toBe(
      'payout_id,affiliate_id,status,amount_cents,amount_dollars,currency,payment_method,payment_email,transaction_id,requested_at,processed_at,processed_by,notes\r\n',
    );
    expect(payoutsCsv([])).toBe(csvHeader());
  });

  it('writes amounts in cents and exact dollars, and USD when the row has no currency', () => {
    // Act
    const [, cells] = parseCsv(payoutsCsv([row({ amount: 1_005 })]));
    const byName = Object.fromEntries(CSV_COLUMNS.map((name, index) => [name, cells?.[index]]));

    // Assess
    expect(byName).toMatchObject({
      amount_cents: '1005',
      amount_dollars: '10.05',
      currency: 'USD',
      processed_by: 'admin-1',
    });
  });

  it('keeps one row per payout when a note holds a comma, a quote, a newline and a leading =', () => {
    // Prepare
    const note = '=cmd|\' /C calc\'!A0, "quoted"\nsecond line';

    // Act
    const text = payoutsCsv([
      row({ notes: note }),
      row({ payout_id: 'p-2', notes: undefined, processed_at: undefined }),
    ]);
    const rows = parseCsv(text);

    // Assess
    expect(rows).toHaveLength(3);
    expect(rows.every((cells) => cells.length === CSV_COLUMNS.length)).toBe(true);
    expect(rows[1]?.[12]).toBe(`'${note}`);
    expect(rows[2]?.[0]).toBe('p-2');
    expect(rows[2]?.[10]).toBe('');
    expect(payoutCsvRow(row({ notes: note }))).toContain(`"'=cmd|' /C calc'!A0, ""quoted""\nsecond line"\r\n`);
  });

  it('neutralizes formula characters in every text column, not only notes', () => {
    const [, cells] = parseCsv(
      payoutsCsv([row({ transaction_id: '=EVIL()', payment_email: '@x', processed_by: '+admin' })]),
    );
    expect(cells?.[8]).toBe("'=EVIL()");
    expect(cells?.[7]).toBe("'@x");
    expect(cells?.[11]).toBe("'+admin");
  });
});
