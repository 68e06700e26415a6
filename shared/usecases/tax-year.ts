// route -> (affiliate tax year | admin tax year export) -> store
//
// Primary course (the affiliate's year): 1. resolve the caller; 2. read the affiliate and its year item together
// (strongly consistent); 3. answer the totals, zeros for a year with nothing paid.
// Primary course (the admin export): 1. one Query of the year's partition (one item per affiliate paid or returned
// that year, never every payout, never a Scan); 2. the forms on file for those affiliates (BatchGetItem);
// 3. one CSV row per affiliate, in affiliate id order, with whether a 1099-NEC is due.
import { formatDollars } from '../domain/money.ts';
import { emptyTotals, form1099NecDue } from '../domain/tax.ts';
import type { TaxYearView } from '../schemas/tax.ts';
import { csvCell, csvLine } from './csv.ts';
import { taxFormViewOf } from './record-tax-form.ts';
import type { Services } from './services.ts';

export async function affiliateTaxYear(
  { store, callers }: Services,
  userId: string,
  year: string,
): Promise<TaxYearView> {
  const affiliateId = await callers.affiliateIdOf(userId);
  const [read, totals] = await Promise.all([store.getAffiliate(affiliateId), store.getTaxYear(year, affiliateId)]);
  const affiliate = callers.requireOwn(userId, read);
  return {
    ...(totals ?? emptyTotals(year, affiliateId)),
    tax_form: affiliate.tax_form ? taxFormViewOf(affiliate.tax_form) : null,
  };
}

/** The export's columns, in order; the header row is exactly these names. */
export const TAX_CSV_COLUMNS = [
  'tax_year',
  'affiliate_id',
  'paid_cents',
  'paid_dollars',
  'paid_count',
  'paid_provider_cents',
  'paid_other_cents',
  'tax_form',
  'tax_form_received_on',
  'tin_last4',
  'form_1099_nec_due',
] as const;

export async function taxYearCsv({ store, rules }: Services, year: string): Promise<string> {
  const totals = (await store.taxYearTotals(year)).sort((a, b) => (a.affiliate_id < b.affiliate_id ? -1 : 1));
  const forms = totals.length === 0 ? new Map() : await store.getTaxForms(totals.map((row) => row.affiliate_id));
  let text = csvLine(TAX_CSV_COLUMNS);
  for (const row of totals) {
    const form = forms.get(row.affiliate_id);
    text += csvLine([
      csvCell(row.tax_year),
      csvCell(row.affiliate_id),
      String(row.paid_cents),
      formatDollars(row.paid_cents),
      String(row.paid_count),
      String(row.paid_provider_cents),
      String(row.paid_other_cents),
      csvCell(form?.form),
      csvCell(form?.received_on),
      csvCell(form?.tin_last4),
      form1099NecDue(row, rules.taxFormThreshold, form) ? 'true' : 'false',
    ]);
  }
  return text;
}
