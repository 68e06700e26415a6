/**
 * Receipt generation: the renderer as the stack builds it (its own bundle, pdf-lib inside), measured warm (one
 * process, many receipts) and cold (a fresh `node` per run: import the renderer, render one receipt), p50.
 * The handler bundles never import it at start (test/infra/bundle.test.ts), so the other routes' cold start is
 * untouched; the bundles' sizes are in the bench's bundle table.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { Payout } from '../../shared/domain/payout.ts';
import { receiptContent } from '../../shared/usecases/receipt.ts';
import { bundle } from './build.ts';
import { median, round } from './stats.ts';

export interface ReceiptResult {
  renderer_kib: number;
  warm_p50_ms: number;
  cold_p50_ms: number;
  bytes: number;
}

const PAYOUT: Payout = {
  payout_id: 'bench-receipt',
  affiliate_id: 'aff-bench',
  amount: 123_456,
  currency: 'USD',
  payment_method: 'zelle',
  payment_email: 'bench@example.com',
  status: 'completed',
  requested_at: '2026-03-01T09:00:00.000Z',
  updated_at: '2026-03-02T09:00:00.000Z',
  transaction_id: 'ZELLE-BENCH-1',
  receipt_number: 'RCPT-2026-000001',
  history: [
    { at: '2026-03-01T09:00:00.000Z', by: 'u', from: null, to: 'pending' },
    { at: '2026-03-02T09:00:00.000Z', by: 'ops', from: 'pending', to: 'completed' },
  ],
};

export async function measureReceipts({ warm, cold }: { warm: number; cold: number }): Promise<ReceiptResult> {
  const renderer = await bundle('receipt-renderer', 'shared/receipts/render.ts');
  const content = receiptContent(PAYOUT, 'RCPT-2026-000001', {
    name: 'Commercive',
    address: ['1 Market St', 'San Francisco, CA 94105'],
  });
  const { renderReceipt } = (await import(
    pathToFileURL(renderer.file).href
  )) as typeof import('../../shared/receipts/render.ts');
  let bytes = 0;
  for (let index = 0; index < 20; index += 1) bytes = (await renderReceipt(content)).length;
  const warmTimes: number[] = [];
  for (let index = 0; index < warm; index += 1) {
    const started = performance.now();
    await renderReceipt(content);
    warmTimes.push(performance.now() - started);
  }
  const script = `const t=performance.now();const m=await import(process.argv[1]);await m.renderReceipt(JSON.parse(process.argv[2]));process.stdout.write(String(performance.now()-t));`;
  const coldTimes: number[] = [];
  for (let index = 0; index < cold; index += 1) {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', script, pathToFileURL(renderer.file).href, JSON.stringify(content)],
      { encoding: 'utf8' },
    );
    coldTimes.push(Number(out));
  }
  return {
    renderer_kib: round(renderer.bytes / 1024, 1),
    warm_p50_ms: round(median(warmTimes)),
    cold_p50_ms: round(median(coldTimes)),
    bytes,
  };
}
