import type { ProviderRuntime } from '../../shared/providers/runtime.ts';

/** The sweeper: polls sent attempts nobody answered and re-drives queued ones nobody sent (every 5 minutes in AWS). */
export function createSweeperHandler({ sync, logger, config }: Pick<ProviderRuntime, 'sync' | 'logger' | 'config'>) {
  return async () => {
    const result = await sync.sweep(config.sweepMinAgeSeconds);
    logger.info('sweep', result);
    return result;
  };
}
