import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { describeError } from '../../shared/logger.ts';
import type { ProviderRuntime } from '../../shared/providers/runtime.ts';
import { ProviderError } from '../../shared/domain/payout-provider.ts';

/** How many attempts of one stream batch are sent at the same time. */
export const SENDER_CONCURRENCY = 10;

export type SenderHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * The payout-sender: one stream batch of attempts (the event source filters to queued ones; the handler checks
 * again). Each record is sent on its own; a record that fails (a transient provider error, a store outage) is
 * reported in batchItemFailures so only it and what follows it are retried, never the whole batch blindly.
 */
export function createSenderHandler({ sync, logger }: Pick<ProviderRuntime, 'sync' | 'logger'>): SenderHandler {
  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    const records = [...event.Records];
    const worker = async () => {
      for (let record = records.shift(); record; record = records.shift()) {
        const image = record.dynamodb?.NewImage;
        const payoutId = image?.payout_id?.S;
        const attempt = Number(image?.attempt?.N);
        if (record.eventName === 'REMOVE' || image?.status?.S !== 'queued' || !payoutId || !Number.isInteger(attempt))
          continue;
        try {
          const outcome = await sync.send({ payout_id: payoutId, attempt });
          logger.info('attempt sent', { payout_id: payoutId, attempt, outcome });
        } catch (error) {
          const transient = error instanceof ProviderError;
          logger[transient ? 'warn' : 'error']('attempt not sent; the stream retries it', {
            payout_id: payoutId,
            attempt,
            ...describeError(error),
          });
          failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SENDER_CONCURRENCY, records.length) }, worker));
    return { batchItemFailures: failures };
  };
}
