import { useState } from 'preact/hooks';
import { ApiError, type ApiClient } from './api.ts';
import { html } from './html.ts';
import { ErrorNote } from './ui.ts';

/** `attachment; filename="RCPT-2026-000001.pdf"` -> `RCPT-2026-000001.pdf`; the fallback when the header names none. */
export function filenameOf(disposition: string | null, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(disposition ?? '') ?? /filename=([^;\s]+)/.exec(disposition ?? '');
  return match?.[1] ?? fallback;
}

/** Hands a blob to the browser as a file download (an object URL on a temporary link, released afterwards). */
export function saveBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * GETs a file with the bearer token (a plain link could not carry it) and saves it under the server's filename
 * (Content-Disposition). Throws the API's refusal (ApiError) as any other call does.
 */
export async function downloadFile(api: ApiClient, path: string, fallback: string): Promise<string> {
  const response = await api.raw(path);
  const filename = filenameOf(response.headers.get('content-disposition'), fallback);
  saveBlob(filename, await response.blob());
  return filename;
}

/**
 * "Download receipt" for a completed or returned payout: its own busy state and the server's sentence on refusal
 * (e.g. 409 NO_RECEIPT for a payout completed before receipts were numbered).
 */
export function ReceiptButton({ api, path, payoutId }: { api: ApiClient; path: string; payoutId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const onClick = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await downloadFile(api, path, `receipt-${payoutId}.pdf`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'The receipt could not be downloaded. Try again.');
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="receipt-action">
    <button type="button" class="button" disabled=${busy} aria-disabled=${busy ? 'true' : 'false'} onClick=${onClick}>
      ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : html`<span aria-hidden="true">⤓</span>`}Download receipt
    </button>
    <span class="muted small">PDF, for your records</span>
    ${error ? html`<${ErrorNote} message=${error} />` : null}
  </div>`;
}

/** Payouts that have a receipt: completed ones, and returned ones (stamped RETURNED). */
export const hasReceipt = (status: string) => status === 'completed' || status === 'returned';
