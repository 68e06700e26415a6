/**
 * What reaches the notifier from each stream, as local code (bin/local) applies it; the stack declares the same
 * filters as event source mapping FilterCriteria (lib/constructs/notifications.ts).
 * - payouts: inserts and modifications (a removal tells nobody anything); which modifications are status changes
 *   is decided by the handler from the two images (a filter cannot compare them);
 * - attempts: attempts written as failed (the handler keeps those failed on our side, once);
 * - affiliates: modifications of an affiliate that has changed its destination once (`destination_changed_at`);
 *   whether this write is the change is decided by the handler from the two images;
 * - provider events: events recorded flagged for an operator (they are put once, flagged from the start).
 */
import type { DynamoDBRecord } from 'aws-lambda';

export const payoutRecordWanted = (record: DynamoDBRecord): boolean =>
  record.eventName === 'INSERT' || record.eventName === 'MODIFY';

export const attemptRecordWanted = (record: DynamoDBRecord): boolean =>
  (record.eventName === 'INSERT' || record.eventName === 'MODIFY') && record.dynamodb?.NewImage?.status?.S === 'failed';

export const affiliateRecordWanted = (record: DynamoDBRecord): boolean =>
  record.eventName === 'MODIFY' && record.dynamodb?.NewImage?.destination_changed_at?.S !== undefined;

export const providerEventRecordWanted = (record: DynamoDBRecord): boolean =>
  record.eventName === 'INSERT' && record.dynamodb?.NewImage?.flagged?.S === 'yes';

/** The tables whose streams feed the notifier. */
export interface NotifierTables {
  payouts: string;
  attempts: string;
  affiliates: string;
  providerEvents: string;
}

/**
 * The notifier's streams and what reaches it from each, for the local drains (`npm start`, the tests). `busiest`
 * marks the payouts stream, which carries every status change and is polled most often.
 */
export function notifierStreams(
  tables: NotifierTables,
): Array<{ table: string; filter: (record: DynamoDBRecord) => boolean; busiest: boolean }> {
  return [
    { table: tables.payouts, filter: payoutRecordWanted, busiest: true },
    { table: tables.attempts, filter: attemptRecordWanted, busiest: false },
    // A changed payout destination (issue 13): the old and the new address are told.
    { table: tables.affiliates, filter: affiliateRecordWanted, busiest: false },
    // A provider event flagged for a person (issue 10): the operators are told.
    { table: tables.providerEvents, filter: providerEventRecordWanted, busiest: false },
  ];
}
