import type { ApiClient } from '../lib/api.ts';

/**
 * The whole filtered list as one CSV: the export route answers a page at a time and names the next one in
 * X-Next-Cursor; each page repeats the header row, kept once here.
 */
export async function exportAll(api: ApiClient, query: URLSearchParams): Promise<string> {
  let cursor: string | null = null;
  let csv = '';
  do {
    const params = new URLSearchParams(query);
    if (cursor) params.set('cursor', cursor);
    const search = params.toString();
    const response = await api.raw(`/admin/payouts/export${search ? `?${search}` : ''}`);
    const text = await response.text();
    csv += csv === '' ? text : text.slice(text.indexOf('\r\n') + 2);
    cursor = response.headers.get('x-next-cursor');
  } while (cursor);
  return csv;
}

/** Hands a text to the browser as a file download. */
export function download(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
