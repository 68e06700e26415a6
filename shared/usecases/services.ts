import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.ts';
import type { Cents } from '../domain/money.ts';
import type { PayoutStore } from '../domain/ports.ts';
import { Callers } from './callers.ts';
import { CursorCodec, type SecretSource } from './cursor.ts';
import { KeyedSerial } from './serial.ts';

export interface PayoutRules {
  defaultMinimumPayout: Cents;
  tierMinimums: Readonly<Record<string, number>>;
  idempotencyTtlSeconds: number;
  affiliateCacheTtlMs: number;
  taxFormThreshold: Cents;
  receiptIssuer: { name: string; address: readonly string[] };
  /** Issue 13 (optional so older callers keep compiling: 48 h and 8 when absent). */
  cooldownHours?: number;
  schedulerConcurrency?: number;
  maxPayout?: number;
}

/** What every use case works with, built once per function instance: the store port, the rules, the clock. */
export interface Services {
  store: PayoutStore;
  rules: PayoutRules;
  clock: Clock;
  callers: Callers;
  cursors: CursorCodec;
  newId: () => string;
  /** Completions of this instance claim receipt numbers one at a time, per year (shared/usecases/move-payout.ts). */
  receiptClaims: KeyedSerial;
}

export function createServices({
  store,
  rules,
  clock,
  cursorSecret,
  newId = randomUUID,
}: {
  store: PayoutStore;
  rules: PayoutRules;
  clock: Clock;
  cursorSecret: SecretSource;
  newId?: () => string;
}): Services {
  return {
    store,
    rules,
    clock,
    callers: new Callers(store, rules.affiliateCacheTtlMs, clock),
    cursors: new CursorCodec(cursorSecret),
    newId,
    receiptClaims: new KeyedSerial(),
  };
}
