import { sumPayouts } from '../../../shared/domain/balance.ts';
import { canTransition, PAYOUT_STATUSES, type PayoutStatus } from '../../../shared/domain/payout.ts';
import type { Item, Snapshot } from './system.ts';

/** One payout the client was told about (a 201), with the user and Idempotency-Key it was asked with. */
export interface Acknowledged {
  payoutId: string;
  userId: string;
  key?: string;
  amount: number;
}

export interface InvariantReport {
  violations: string[];
  /** How many individual checks were evaluated (the figure the long mode reports). */
  checks: number;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

/**
 * The money invariants, recomputed from a Scan of the tables:
 * - per affiliate: available + pending + paid = earned with every term ≥ 0 (no overdraft);
 * - the counters (total_paid, total_pending, payout_count) equal a recomputation from the payouts;
 * - every payout is a legal walk of the lifecycle (its history chains through TRANSITIONS to its status);
 * - every idempotency record points at an existing payout of its own user, with the amount it answered;
 * - the tax year: per affiliate, the years' paid totals add up to total_paid; every completed or returned payout
 *   carries a receipt number, no other payout does, and no number is given twice;
 * - with a ledger of the 201s the clients saw: at most one payout per (user, Idempotency-Key), and (when
 *   `everyPayoutAcknowledged`) no payout that no client was ever told about.
 */
export function checkInvariants(
  snap: Snapshot,
  ledger?: { acknowledged: Iterable<Acknowledged>; everyPayoutAcknowledged: boolean },
): InvariantReport {
  const violations: string[] = [];
  let checks = 0;
  const expect = (ok: boolean, message: () => string) => {
    checks += 1;
    if (!ok) violations.push(message());
  };

  const affiliates = new Map(snap.affiliates.map((item) => [String(item.affiliate_id), item]));
  const payoutsOf = new Map<string, Item[]>();
  for (const payout of snap.payouts) {
    const owner = String(payout.affiliate_id);
    payoutsOf.set(owner, [...(payoutsOf.get(owner) ?? []), payout]);
    expect(affiliates.has(owner), () => `payout ${payout.payout_id} belongs to no affiliate (${owner})`);
    const amount = num(payout.amount);
    expect(
      Number.isSafeInteger(amount) && amount > 0,
      () => `payout ${payout.payout_id} has amount ${String(payout.amount)}`,
    );
    const status = payout.status as PayoutStatus;
    expect(PAYOUT_STATUSES.includes(status), () => `payout ${payout.payout_id} has status ${String(payout.status)}`);
    const history = (payout.history ?? []) as { from: PayoutStatus | null; to: PayoutStatus }[];
    let at: PayoutStatus | null = null;
    for (const change of history) {
      const legal =
        at === null
          ? change.from === null && change.to === 'pending'
          : change.from === at && canTransition(at, change.to);
      expect(
        legal,
        () => `payout ${payout.payout_id} history has an illegal step ${change.from} -> ${change.to} (was ${at})`,
      );
      at = change.to;
    }
    expect(at === status, () => `payout ${payout.payout_id} is ${status} but its history ends at ${at}`);
  }

  for (const [affiliateId, affiliate] of affiliates) {
    const earned = num(affiliate.total_earned);
    const paid = num(affiliate.total_paid ?? 0);
    const pending = num(affiliate.total_pending ?? 0);
    const count = num(affiliate.payout_count ?? 0);
    const own = payoutsOf.get(affiliateId) ?? [];
    const recomputed = sumPayouts(
      own.map((payout) => ({ status: payout.status as PayoutStatus, amount: num(payout.amount) })),
    );
    const available = earned - paid - pending;
    expect(
      earned >= 0 && paid >= 0 && pending >= 0,
      () => `${affiliateId}: a negative term (earned ${earned}, paid ${paid}, pending ${pending})`,
    );
    expect(available >= 0, () => `${affiliateId}: overdraft: paid ${paid} + pending ${pending} > earned ${earned}`);
    expect(available + pending + paid === earned, () => `${affiliateId}: available + pending + paid != earned`);
    expect(
      paid === recomputed.paid,
      () => `${affiliateId}: total_paid ${paid} != ${recomputed.paid} recomputed from its payouts`,
    );
    expect(
      pending === recomputed.pending,
      () => `${affiliateId}: total_pending ${pending} != ${recomputed.pending} recomputed from its payouts`,
    );
    expect(count === own.length, () => `${affiliateId}: payout_count ${count} != ${own.length} payouts`);
    const years = snap.taxYears.filter((item) => item.affiliate_id === affiliateId);
    const yearsPaid = years.reduce((sum, item) => sum + num(item.paid_cents ?? 0), 0);
    expect(
      yearsPaid === paid,
      () => `${affiliateId}: its tax years add up to ${yearsPaid} paid, total_paid is ${paid}`,
    );
  }

  const receipts = new Map<string, string>();
  for (const payout of snap.payouts) {
    const number = payout.receipt_number;
    const paidOut = payout.status === 'completed' || payout.status === 'returned';
    expect(
      paidOut === (typeof number === 'string'),
      () => `payout ${payout.payout_id} is ${String(payout.status)} with receipt number ${String(number)}`,
    );
    if (typeof number !== 'string') continue;
    expect(
      !receipts.has(number),
      () => `receipt number ${number} given to ${receipts.get(number)} and ${payout.payout_id}`,
    );
    receipts.set(number, String(payout.payout_id));
  }

  const payouts = new Map(snap.payouts.map((item) => [String(item.payout_id), item]));
  const usersByAffiliate = new Map([...affiliates].map(([id, item]) => [id, String(item.user_id)]));
  for (const record of snap.idempotency) {
    const key = String(record.idempotency_key);
    const payout = payouts.get(String(record.payout_id));
    expect(
      payout !== undefined,
      () => `idempotency record ${key} points at a missing payout ${String(record.payout_id)}`,
    );
    if (!payout) continue;
    const user = usersByAffiliate.get(String(payout.affiliate_id));
    expect(key.startsWith(`${user}#`), () => `idempotency record ${key} points at a payout of ${user}`);
    const data = JSON.parse(String(record.response_data)) as { payout?: { payout_id?: string; amount?: number } };
    expect(
      data.payout?.payout_id === payout.payout_id && data.payout?.amount === payout.amount,
      () => `idempotency record ${key} answers another payout than it points at`,
    );
  }

  if (ledger) {
    const byKey = new Map<string, Set<string>>();
    const acknowledged = new Set<string>();
    for (const ack of ledger.acknowledged) {
      acknowledged.add(ack.payoutId);
      const stored = payouts.get(ack.payoutId);
      expect(stored !== undefined, () => `payout ${ack.payoutId} was answered 201 but is not stored (money lost)`);
      expect(
        stored === undefined || stored.amount === ack.amount,
        () => `payout ${ack.payoutId} was answered with another amount`,
      );
      if (ack.key === undefined) continue;
      const scoped = `${ack.userId}#${ack.key}`;
      byKey.set(scoped, (byKey.get(scoped) ?? new Set()).add(ack.payoutId));
    }
    for (const [scoped, ids] of byKey) {
      expect(ids.size === 1, () => `Idempotency-Key ${scoped} produced ${ids.size} payouts: ${[...ids].join(', ')}`);
    }
    if (ledger.everyPayoutAcknowledged) {
      for (const id of payouts.keys())
        expect(acknowledged.has(id), () => `payout ${id} exists but no client was told about it`);
    }
  }
  return { violations, checks };
}

/** The money figures of one affiliate in a snapshot. */
export function countersOf(snap: Snapshot, affiliateId: string) {
  const affiliate = snap.affiliates.find((item) => item.affiliate_id === affiliateId);
  return {
    earned: num(affiliate?.total_earned),
    paid: num(affiliate?.total_paid ?? 0),
    pending: num(affiliate?.total_pending ?? 0),
    count: num(affiliate?.payout_count ?? 0),
  };
}
