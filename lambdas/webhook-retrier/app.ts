import { describeError } from '../../shared/logger.ts';
import type { NotifyRuntime } from '../../shared/notify-runtime.ts';

/**
 * The webhook retry function, every minute: tries the deliveries whose next try is due (the sparse index), a few
 * at a time, until none is due or the time is nearly up.
 */
export function createRetrierHandler(
  { notifier, logger }: Pick<NotifyRuntime, 'notifier' | 'logger'>,
  budgetMs = 45_000,
) {
  return async (): Promise<{ tried: number; delivered: number }> => {
    const started = Date.now();
    const total = { tried: 0, delivered: 0 };
    try {
      for (;;) {
        const round = await notifier.deliveries.runDue(100);
        total.tried += round.tried;
        total.delivered += round.delivered;
        if (round.tried < 100 || Date.now() - started > budgetMs) break;
      }
    } catch (error) {
      logger.error('webhook retry round failed', describeError(error));
      throw error;
    }
    if (total.tried > 0) logger.info('webhook retries', total);
    return total;
  };
}
