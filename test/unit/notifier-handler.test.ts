import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createNotifierHandler } from '../../lambdas/payout-notifier/app.ts';
import { createLogger } from '../../shared/logger.ts';
import type { Notifier } from '../../shared/usecases/notify-payout.ts';

const record = (payoutId: string, seq: string, historyLength: number): DynamoDBRecord => ({
  eventName: 'MODIFY',
  dynamodb: {
    SequenceNumber: seq,
    Keys: { payout_id: { S: payoutId } },
    NewImage: marshall({
      payout_id: payoutId,
      history: Array.from({ length: historyLength }, (_, i) => ({ i })),
    }) as never,
  },
});

describe('Payout-notifier handler: batches split by payout', () => {
  it("a failing record is reported; the rest of its payout waits; other payouts go on; each payout's records in order", async () => {
    const seen: string[] = [];
    const notifier = {
      onPayoutWrite: async (_before: unknown, after: { payout_id: string; history: unknown[] }) => {
        seen.push(`${after.payout_id}:${after.history.length}`);
        if (after.payout_id === 'a' && after.history.length === 2) throw new Error('SES said no');
        return [];
      },
      onAttemptWrite: async () => undefined,
    } as unknown as Notifier;
    const handler = createNotifierHandler({ notifier, logger: createLogger('silent') });
    const result = await handler({
      Records: [
        record('a', '1', 1),
        record('b', '2', 1),
        record('a', '3', 2),
        record('b', '4', 2),
        record('a', '5', 3),
      ],
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
    expect(seen.filter((entry) => entry.startsWith('a'))).toEqual(['a:1', 'a:2']); // a:3 waits for the retry
    expect(seen.filter((entry) => entry.startsWith('b'))).toEqual(['b:1', 'b:2']);
  });
});
