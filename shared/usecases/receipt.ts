// route -> (receipt) -> store, then the PDF renderer (loaded on first use)
//
// Primary course:
//   1. read the payout: the affiliate's own (another's is a 404 like a missing one), or any for an admin;
//   2. only a completed or returned payout has a receipt (its number was given in the completing transaction);
//      anything else is a 409 NO_RECEIPT;
//   3. lay out what the receipt says from the payout alone (so the same payout always gives the same bytes) and
//      render it with the lazily loaded renderer.
import { ConflictError, payoutNotFound } from '../domain/errors.ts';
import { describeCents } from '../domain/money.ts';
import type { Payout } from '../domain/payout.ts';
import type { ReceiptContent } from '../receipts/render.ts';
import { ownPayout } from './cancel-payout.ts';
import type { Services } from './services.ts';

export interface Receipt {
  filename: string;
  pdf: Uint8Array;
}

export async function affiliateReceipt(services: Services, userId: string, payoutId: string): Promise<Receipt> {
  return receiptOf(services, await ownPayout(services, userId, payoutId));
}

export async function adminReceipt(services: Services, payoutId: string): Promise<Receipt> {
  // Read here rather than through admin-moves.ts, which would pull the admin schemas into the payouts bundle.
  const payout = await services.store.getPayout(payoutId);
  if (!payout) throw payoutNotFound();
  return receiptOf(services, payout);
}

async function receiptOf({ rules }: Services, payout: Payout): Promise<Receipt> {
  const { receipt_number: receiptNumber } = payout;
  if ((payout.status !== 'completed' && payout.status !== 'returned') || receiptNumber === undefined) {
    throw new ConflictError(
      'NO_RECEIPT',
      payout.status === 'completed'
        ? 'This payout was completed before receipts were numbered, so it has no receipt.'
        : `Only a completed or returned payout has a receipt; this one is ${payout.status}.`,
    );
  }
  const { renderReceipt } = await loadRenderer();
  const pdf = await renderReceipt(receiptContent(payout, receiptNumber, rules.receiptIssuer));
  return { filename: `${receiptNumber}.pdf`, pdf };
}

/** What the receipt says: everything comes from the stored payout, nothing from the clock. */
export function receiptContent(
  payout: Payout,
  receiptNumber: string,
  issuer: ReceiptContent['issuer'],
): ReceiptContent {
  const paidAt = payout.history.find((change) => change.to === 'completed')?.at;
  const returnedAt = payout.history.find((change) => change.to === 'returned')?.at;
  const rows: [string, string][] = [
    ['Receipt number', receiptNumber],
    ['Affiliate', payout.affiliate_id],
    ['Amount', `${describeCents(payout.amount)} ${payout.currency ?? 'USD'}`],
    ['Method', payout.payment_method],
    ['Paid to', maskDestination(payout.payment_email)],
    ['Transaction id', payout.transaction_id ?? '-'],
    ['Requested', dateOf(payout.requested_at)],
    ['Paid', paidAt ? dateOf(paidAt) : '-'],
    ['Payout id', payout.payout_id],
  ];
  if (returnedAt) rows.push(['Returned', dateOf(returnedAt)]);
  return {
    issuer,
    receiptNumber,
    rows,
    ...(payout.status === 'returned' ? { stamp: 'RETURNED' } : {}),
    footer: `${receiptNumber} - issued by ${issuer.name}. Amounts in US dollars. Dates are UTC.`,
  };
}

/** j***@example.com: the first character and the domain, enough to recognise, not to use. */
export function maskDestination(destination: string): string {
  const at = destination.lastIndexOf('@');
  const local = at < 0 ? destination : destination.slice(0, at);
  return `${local.slice(0, 1)}***${at < 0 ? '' : destination.slice(at)}`;
}

const dateOf = (iso: string) => iso.slice(0, 10);

/**
 * The deployed bundles are built with `__RECEIPT_RENDERER__` defined as the renderer's own file next to the handler;
 * tests and `npm start` import the TypeScript source. The specifier is a variable so no bundler follows it: pdf-lib
 * stays out of every handler bundle.
 */
declare const __RECEIPT_RENDERER__: string | undefined;
const RENDERER: string = typeof __RECEIPT_RENDERER__ === 'string' ? __RECEIPT_RENDERER__ : '../receipts/render.ts';

let renderer: Promise<typeof import('../receipts/render.ts')> | undefined;
function loadRenderer(): Promise<typeof import('../receipts/render.ts')> {
  renderer ??= import(RENDERER).catch((error: unknown) => {
    renderer = undefined;
    throw error;
  });
  return renderer;
}
