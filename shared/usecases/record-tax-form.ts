// route -> (record tax form) -> store
//
// Primary course:
//   1. the body was checked at the edge (a form kind, a real date, at most the TIN's last four digits);
//   2. set it on the affiliate record (conditioned on the affiliate existing); a missing affiliate is a 404;
//   3. answer with the form as stored. From then on the tax form gate no longer applies to the affiliate.
import { NotFoundError } from '../domain/errors.ts';
import type { TaxForm } from '../domain/tax.ts';
import type { TaxFormBody } from '../schemas/tax.ts';
import type { Services } from './services.ts';

export async function recordTaxForm({ store }: Services, affiliateId: string, body: TaxFormBody) {
  const form: TaxForm = {
    form: body.form,
    received_on: body.received_on,
    ...(body.tin_last4 !== undefined ? { tin_last4: body.tin_last4 } : {}),
  };
  const affiliate = await store.recordTaxForm(affiliateId, form);
  if (!affiliate) throw new NotFoundError('AFFILIATE_NOT_FOUND', 'No affiliate with this id was found.');
  return { affiliate_id: affiliateId, tax_form: taxFormViewOf(form) };
}

export function taxFormViewOf(form: TaxForm) {
  return { form: form.form, received_on: form.received_on, tin_last4: form.tin_last4 ?? null };
}
