// (scheduler Lambda | POST /admin/schedules/run) -> (run schedules) -> request payout -> store
//
// Primary course:
//   1. page through the sparse schedule index (only scheduled affiliates; never a Scan);
//   2. decide on each hint whether its schedule is due at `at` (Monday / the 1st, or a cool-down that held it ended)
//      and whether it could pay (active, out of cool-down, available ≥ auto_minimum): most are skipped with no call;
//   3. for each due one, SCHEDULER_CONCURRENCY at a time: read it strongly, decide again on the record, and request
//      the whole available amount through the same reserve and guard as an affiliate's request, with the
//      idempotency key schedule:<affiliate_id>:<period> and a payout id derived from both (one per period, whatever
//      re-runs or concurrent runs);
//   4. count what happened: considered, requested, skipped by reason.
import type { Affiliate } from '../domain/affiliate.ts';
import { availableOf } from '../domain/balance.ts';
import { AppError } from '../domain/errors.ts';
import type { ScheduleHint } from '../domain/ports.ts';
import { decideScheduled, type ScheduleDecision } from '../domain/schedule.ts';
import { scheduleOf } from '../domain/settings.ts';
import type { Logger } from '../logger.ts';
import type { ScheduleRunView } from '../schemas/settings.ts';
import { autoMinimumOf } from './payout-settings.ts';
import { requestScheduledPayout } from './request-payout.ts';
import type { Services } from './services.ts';

/** Scheduled affiliates read per index page. */
export const SCHEDULE_PAGE_SIZE = 500;

function decide(
  services: Services,
  affiliate: Affiliate | ScheduleHint,
  at: Date,
): ScheduleDecision & { minimum: number } {
  const schedule = scheduleOf(affiliate);
  const minimum = autoMinimumOf(affiliate as Affiliate, services.rules);
  if (schedule === 'manual') return { kind: 'skip', reason: 'NOT_DUE', minimum };
  const decision = decideScheduled(
    {
      status: affiliate.status,
      schedule,
      ...(affiliate.cooldown_until !== undefined ? { cooldown_until: affiliate.cooldown_until } : {}),
      available: availableOf(affiliate.total_earned ?? 0, affiliate.total_paid ?? 0, affiliate.total_pending ?? 0),
      minimum,
    },
    at,
    services.clock.now(),
  );
  return { ...decision, minimum };
}

/** Runs every due schedule as if at `at`; the summary counts each scheduled affiliate once. */
export async function runSchedules(
  services: Services,
  at: Date,
  { logger, pageSize = SCHEDULE_PAGE_SIZE }: { logger?: Logger; pageSize?: number } = {},
): Promise<ScheduleRunView> {
  const summary: ScheduleRunView = { at: at.toISOString(), considered: 0, requested: 0, skipped: {} };
  const skip = (reason: string) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
  };
  const concurrency = Math.max(1, services.rules.schedulerConcurrency ?? 8);
  let after: string | undefined;
  do {
    const page = await services.store.scheduledAffiliates(pageSize, after);
    summary.considered += page.items.length;
    const due: ScheduleHint[] = [];
    for (const hint of page.items) {
      const decision = decide(services, hint, at);
      if (decision.kind === 'skip') skip(decision.reason);
      else due.push(hint);
    }
    await eachLimited(due, concurrency, async (hint) => {
      try {
        const outcome = await requestScheduledPayout(services, hint.affiliate_id, (affiliate) => {
          const decision = decide(services, affiliate, at);
          return decision.kind === 'request' ? { period: decision.period, minimum: decision.minimum } : decision.reason;
        });
        if (outcome.kind === 'created') summary.requested += 1;
        else skip(outcome.reason);
      } catch (error) {
        if (error instanceof AppError) skip(error.code);
        else {
          skip('ERROR');
          logger?.error('scheduled payout failed', {
            affiliate_id: hint.affiliate_id,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    });
    after = page.next;
  } while (after !== undefined);
  return summary;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
