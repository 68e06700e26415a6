/** The one shape of time every layer takes, so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const epochSeconds = (clock: Clock): number => Math.floor(clock.now().getTime() / 1000);

/**
 * A small map whose entries expire, bounded so a warm container cannot grow without limit. Each entry may bring
 * its own lifetime (a verified token lives no longer than its `exp`).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps the value for the cache's lifetime, or until `expiresAt` (epoch ms) when that comes first. */
  set(key: string, value: V, expiresAt = Number.POSITIVE_INFINITY): void {
    const expires = Math.min(this.clock.now().getTime() + this.ttlMs, expiresAt);
    if (expires <= this.clock.now().getTime()) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
