/**
 * Runs the tasks of one key one after another, in the order they arrive, within this function instance. A bulk
 * request completes ten payouts at a time in one instance: they would otherwise all claim the same receipt number and
 * all but one lose the race. Across instances the conditional transaction still decides; this only avoids the
 * losses a single instance can foresee.
 * @example await serial.run('2026', () => claimAndCommit())
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
