import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Attempt } from '../../shared/domain/attempt.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { describeError } from '../../shared/logger.ts';
import type { NotifyRuntime } from '../../shared/notify-runtime.ts';

export type NotifierHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

type Image = Record<string, AttributeValue> | undefined;
const imageOf = <T>(image: Image): T | undefined =>
  image ? (unmarshall(image as Record<string, AttributeValue>) as T) : undefined;

/** An attempts-table record (it has an idempotency key) rather than a payout one. */
const isAttempt = (record: DynamoDBRecord) =>
  Boolean(record.dynamodb?.NewImage?.idempotency_key ?? record.dynamodb?.OldImage?.idempotency_key);

/**
 * The payout-notifier: stream batches of the payouts table (every status change) and of the attempts table
 * (failures on our side). Records are handled in order, one at a time (a payout's events keep their order);
 * the first record that fails is reported in batchItemFailures, so it and what follows are retried, never
 * what was already done (and a redone record is a no-op anyway: every effect is keyed by its event id).
 */
export function createNotifierHandler({
  notifier,
  logger,
}: Pick<NotifyRuntime, 'notifier' | 'logger'>): NotifierHandler {
  return async (event) => {
    for (const record of event.Records) {
      const before = record.dynamodb?.OldImage as Image;
      const after = record.dynamodb?.NewImage as Image;
      try {
        if (isAttempt(record)) await notifier.onAttemptWrite(imageOf<Attempt>(before), imageOf<Attempt>(after));
        else {
          const transitions = await notifier.onPayoutWrite(imageOf<Payout>(before), imageOf<Payout>(after));
          for (const transition of transitions)
            logger.info('transition notified', {
              payout_id: transition.payout_id,
              event_id: transition.event_id,
              type: transition.type,
            });
        }
      } catch (error) {
        logger.error('record not notified; the stream retries it', {
          sequence_number: record.dynamodb?.SequenceNumber,
          ...describeError(error),
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
