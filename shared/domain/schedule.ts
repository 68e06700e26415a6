import type { Cents } from './money.ts';
import { activeCooldown, type Schedule } from './settings.ts';

/**
 * Automatic payouts: when a schedule is due, which period a run belongs to (one payout per affiliate and period),
 * and whether an affiliate's payout is requested by a run. Pure: the scheduler use case feeds it what it read.
 */

const DAY_MS = 86_400_000;

/** The UTC calendar date of an instant: "2026-12-07". */
export const dateOf = (at: Date): string => at.toISOString().slice(0, 10);

/** The ISO-8601 week of a date: "2026-W50" (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(at: Date): string {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(day - weekday * DAY_MS + 3 * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - yearStart) / (7 * DAY_MS));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The period a run at `at` requests for: the ISO week (weekly) or the month (monthly). */
export function periodOf(schedule: Exclude<Schedule, 'manual'>, at: Date): string {
  return schedule === 'weekly' ? isoWeek(at) : at.toISOString().slice(0, 7);
}

/** When the period holding `at` starts: its Monday, or the 1st, at 00:00 UTC. */
export function periodStart(schedule: Exclude<Schedule, 'manual'>, at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (schedule === 'monthly') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS);
}

/** Weekly payouts are due on Mondays, monthly ones on the 1st (UTC). */
export function isDueDay(schedule: Exclude<Schedule, 'manual'>, at: Date): boolean {
  return schedule === 'weekly' ? at.getUTCDay() === 1 : at.getUTCDate() === 1;
}

/** The next due date strictly after `at`'s date: what the dashboard shows as the next automatic payout. */
export function nextDueDate(schedule: Exclude<Schedule, 'manual'>, at: Date): string {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (schedule === 'monthly') return dateOf(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)));
  const weekday = new Date(day).getUTCDay();
  const ahead = weekday === 1 ? 7 : (8 - weekday) % 7;
  return dateOf(new Date(day + ahead * DAY_MS));
}

/** What a run knows of a scheduled affiliate (from the schedule index, then the record itself). */
export interface ScheduledAffiliate {
  status: string;
  schedule: Exclude<Schedule, 'manual'>;
  cooldown_until?: string;
  available: Cents;
  /** auto_minimum, or the tier's minimum when none is set. */
  minimum: Cents;
}

export const SKIP_REASONS = [
  'NOT_DUE',
  'AFFILIATE_INACTIVE',
  'PAYOUT_METHOD_COOLDOWN',
  'BELOW_AUTO_MINIMUM',
  'ALREADY_REQUESTED',
] as const;

export type ScheduleDecision = { kind: 'request'; period: string } | { kind: 'skip'; reason: string };

/**
 * Whether a run at `at` requests this affiliate's payout. Due on the schedule's day (Monday, the 1st); a payout
 * held by a cool-down waits: it is requested by the first daily run of the same period after the cool-down ends
 * (the period key keeps it to one). `now` is the real time, which the cool-down is measured against.
 */
export function decideScheduled(affiliate: ScheduledAffiliate, at: Date, now: Date): ScheduleDecision {
  const { schedule } = affiliate;
  const start = periodStart(schedule, at).toISOString();
  const heldByCooldown =
    affiliate.cooldown_until !== undefined &&
    affiliate.cooldown_until > start &&
    affiliate.cooldown_until <= at.toISOString();
  if (!isDueDay(schedule, at) && !heldByCooldown) return { kind: 'skip', reason: 'NOT_DUE' };
  if (affiliate.status !== 'active') return { kind: 'skip', reason: 'AFFILIATE_INACTIVE' };
  // The cool-down protects the money leaving now: a catch-up run for a past day requests once it has ended.
  if (activeCooldown(affiliate, now)) return { kind: 'skip', reason: 'PAYOUT_METHOD_COOLDOWN' };
  if (affiliate.available < affiliate.minimum || affiliate.available <= 0)
    return { kind: 'skip', reason: 'BELOW_AUTO_MINIMUM' };
  return { kind: 'request', period: periodOf(schedule, at) };
}
