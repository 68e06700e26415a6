import type { Affiliate } from '../../domain/affiliate.ts';
import type { IdempotencyRecord } from '../../domain/ports.ts';
import type { TaxYearTotals } from '../../domain/tax.ts';
import { IDEMPOTENCY, TAX_YEARS } from './tables.ts';

/** How the domain's records are stored, and read back: the only place that knows attribute names beyond the keys. */
export type Item = Record<string, unknown>;

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** An affiliate as stored; counters the commissions system never wrote read as 0. */
export function toAffiliate(item: Item): Affiliate {
  const { schedule_pk: _index, flags, ...fields } = item;
  return {
    ...(fields as unknown as Affiliate),
    // A String Set in DynamoDB; the domain reads a list.
    ...(flags instanceof Set || Array.isArray(flags) ? { flags: [...(flags as Iterable<string>)].sort() } : {}),
    total_earned: num(item.total_earned),
    total_paid: num(item.total_paid),
    total_pending: num(item.total_pending),
    payout_count: num(item.payout_count),
  };
}

export function idempotencyItem(record: IdempotencyRecord): Item {
  return {
    [IDEMPOTENCY.partitionKey]: record.key,
    fingerprint: record.fingerprint,
    outcome: record.outcome,
    // Stored as the JSON text that was answered, so a replay renders the very same bytes.
    response_data: JSON.stringify(record.data),
    payout_id: record.payoutId,
    [IDEMPOTENCY.ttlAttribute]: record.expiresAt,
  };
}

export function toIdempotencyRecord(item: Item): IdempotencyRecord {
  return {
    key: String(item[IDEMPOTENCY.partitionKey]),
    fingerprint: String(item.fingerprint),
    outcome: 'created',
    data: storedData(item),
    payoutId: String(item.payout_id),
    expiresAt: num(item[IDEMPOTENCY.ttlAttribute]),
  };
}

/** Records written before outcomes were stored kept the whole envelope (`response_body`); their data is inside. */
function storedData(item: Item): unknown {
  if (typeof item.response_data === 'string') return JSON.parse(item.response_data);
  const legacy = typeof item.response_body === 'string' ? JSON.parse(item.response_body) : item.response_body;
  return (legacy as { data?: unknown } | undefined)?.data;
}

export function isExpired(item: Item, nowSeconds: number): boolean {
  return num(item[IDEMPOTENCY.ttlAttribute]) <= nowSeconds;
}

/** An affiliate's tax year item; totals a year never moved read as 0. */
export function toTaxYearTotals(item: Item): TaxYearTotals {
  return {
    tax_year: String(item[TAX_YEARS.partitionKey]),
    affiliate_id: String(item[TAX_YEARS.sortKey]),
    paid_cents: num(item.paid_cents),
    paid_count: num(item.paid_count),
    paid_provider_cents: num(item.paid_provider_cents),
    paid_other_cents: num(item.paid_other_cents),
  };
}
