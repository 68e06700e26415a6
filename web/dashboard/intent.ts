/**
 * One Idempotency-Key per intended payout. The key is minted when the affiliate first sends an amount, reused for
 * every retry of that same amount (a double click, a network error, a reload: it lives in sessionStorage), and
 * forgotten once the payout is created or the amount changes. The server replays the first answer for a known key,
 * so none of those can pay twice.
 */
export interface PayoutIntent {
  key: string;
  amount: number;
}

const STORAGE_KEY = 'payouts.intent';

export function readIntent(): PayoutIntent | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as PayoutIntent | null;
    return value && typeof value.key === 'string' && Number.isSafeInteger(value.amount) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The intent for `amount`: the stored one when it is for the same amount, otherwise a new key (stored). */
export function intentFor(amount: number): PayoutIntent {
  const stored = readIntent();
  if (stored?.amount === amount) return stored;
  const intent = { key: crypto.randomUUID(), amount };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(intent));
  return intent;
}

export function clearIntent(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
