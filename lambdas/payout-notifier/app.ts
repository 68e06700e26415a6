import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Attempt } from '../../shared/domain/attempt.ts';
import type { AffiliateImage, ProviderEventImage } from '../../shared/domain/notifications.ts';
import type { Payout } from '../../shared/domain/payout.ts';
import { describeError } from '../../shared/logger.ts';
import type { NotifyRuntime } from '../../shared/notify-runtime.ts';

export type NotifierHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/** How many payouts of one batch are notified at the same time (each payout's records stay in order). */
export const NOTIFIER_CONCURRENCY = 10;

type Image = Record<string, AttributeValue> | undefined;
const imageOf = <T>(image: Image): T | undefined =>
  image ? (unmarshall(image as Record<string, AttributeValue>) as T) : undefined;

/** An attempts-table record (it has an idempotency key) rather than a payout one. */
const isAttempt = (record: DynamoDBRecord) =>
  Boolean(record.dynamodb?.NewImage?.idempotency_key ?? record.dynamodb?.OldImage?.idempotency_key);

/** An affiliates-table record (keyed by affiliate_id alone): a changed payout destination, maybe. */
const isAffiliate = (record: DynamoDBRecord) =>
  record.dynamodb?.Keys?.affiliate_id !== undefined && record.dynamodb?.Keys?.payout_id === undefined;

/** A provider-events-table record (keyed by event_key): an event flagged for an operator, maybe. */
const isProviderEvent = (record: DynamoDBRecord) => record.dynamodb?.Keys?.event_key !== undefined;

/** The payout (or affiliate, or provider event) a record is about: its records are handled in stream order. */
const payoutOf = (record: DynamoDBRecord) => {
  if (isProviderEvent(record)) return `event:${record.dynamodb?.Keys?.event_key?.S ?? ''}`;
  if (isAffiliate(record)) return `affiliate:${record.dynamodb?.Keys?.affiliate_id?.S ?? ''}`;
  return `${isAttempt(record) ? 'attempt' : 'payout'}:${record.dynamodb?.Keys?.payout_id?.S ?? record.eventID ?? ''}`;
};

/**
 * The payout-notifier: stream batches of the payouts table (every status change), of the attempts table
 * (failures on our side), of the affiliates table (a changed payout destination) and of the provider events table
 * (an event flagged for an operator). A batch is split by payout: payouts are notified side by side (NOTIFIER_CONCURRENCY),
 * each payout's records in order. A record that fails is reported in batchItemFailures (Lambda restarts from the
 * lowest one) and the rest of its payout's records wait for that retry; redoing a record that had succeeded is a
 * no-op, since every effect is keyed by its event id.
 */
export function createNotifierHandler({
  notifier,
  logger,
}: Pick<NotifyRuntime, 'notifier' | 'logger'>): NotifierHandler {
  const one = async (record: DynamoDBRecord) => {
    const before = record.dynamodb?.OldImage as Image;
    const after = record.dynamodb?.NewImage as Image;
    if (isProviderEvent(record)) {
      await notifier.onProviderEventWrite(imageOf<ProviderEventImage>(before), imageOf<ProviderEventImage>(after));
      return;
    }
    if (isAffiliate(record)) {
      await notifier.onAffiliateWrite(imageOf<AffiliateImage>(before), imageOf<AffiliateImage>(after));
      return;
    }
    if (isAttempt(record)) {
      await notifier.onAttemptWrite(imageOf<Attempt>(before), imageOf<Attempt>(after));
      return;
    }
    for (const transition of await notifier.onPayoutWrite(imageOf<Payout>(before), imageOf<Payout>(after)))
      logger.info('transition notified', {
        payout_id: transition.payout_id,
        event_id: transition.event_id,
        type: transition.type,
      });
  };
  return async (event) => {
    const groups = new Map<string, DynamoDBRecord[]>();
    for (const record of event.Records) {
      const key = payoutOf(record);
      groups.set(key, [...(groups.get(key) ?? []), record]);
    }
    const queue = [...groups.values()];
    const failures: { itemIdentifier: string }[] = [];
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const record of group) {
          try {
            await one(record);
          } catch (error) {
            logger.error('record not notified; the stream retries it', {
              sequence_number: record.dynamodb?.SequenceNumber,
              ...describeError(error),
            });
            failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(NOTIFIER_CONCURRENCY, queue.length) }, worker));
    return { batchItemFailures: failures };
  };
}
