import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Attempt } from '../../domain/attempt.ts';
import type { Clock } from '../../domain/clock.ts';
import { BusyError } from '../../domain/errors.ts';
import type { MovePlan, Payout } from '../../domain/payout.ts';
import type { MoveOutcome } from '../../domain/ports.ts';
import type { ReceiptClaim } from '../../domain/tax.ts';
import { DynamoAttemptStore } from './attempt-store.ts';
import { DynamoPayoutStore } from './payout-store.ts';
import { ATTEMPTS, type ProviderTableNames } from './provider-tables.ts';
import type { TableNames } from './tables.ts';
import type { TransactItem } from './transactions.ts';

// The attempt guard of a move by hand, as named condition fragments (see transactions.ts).
const attemptClosed = 'NOT (#status IN (:queued, :sent))'; // the provider has answered the last attempt
const noNewerAttempt = 'attribute_not_exists(#id)'; // nobody queued a retry since the attempts were read

/** How many times the guard reads the attempts again when one changed between its read and the commit. */
const MAX_GUARD_READS = 3;

const isOpen = (attempt: Attempt) => attempt.status === 'queued' || attempt.status === 'sent';

/**
 * The payout store of the admin function when provider payments are on: a move by hand of a processing payout
 * (POST /admin/payouts/{id}/process and its bulk form) commits only while the payout's provider attempt is closed.
 * The guard is part of the move's one transaction — a ConditionCheck that the last attempt read is no longer
 * queued or sent, and one that no newer attempt exists — so a send, a retry or a provider answer that lands
 * between the read and the commit cancels it; the read only picks which keys to check. An open attempt is
 * answered as `attempt-open` (409 PROVIDER_ATTEMPT_OPEN): completing or failing it by hand would race the
 * provider's own answer (the affiliate paid twice, or money back while the provider pays).
 */
export class AttemptGuardedPayoutStore extends DynamoPayoutStore {
  private readonly attempts: DynamoAttemptStore;

  constructor(
    client: DynamoDBDocumentClient,
    tables: TableNames,
    private readonly providerTables: ProviderTableNames,
    clock?: Clock,
  ) {
    super(client, tables, clock);
    this.attempts = new DynamoAttemptStore(client, tables, providerTables);
  }

  override async movePayout(
    payout: Payout,
    plan: Extract<MovePlan, { kind: 'move' }>,
    receipt?: ReceiptClaim,
    extra: readonly TransactItem[] = [],
  ): Promise<MoveOutcome> {
    // Only a processing payout can have an open attempt (a send moves pending -> processing in the same transaction).
    if (plan.from !== 'processing') return super.movePayout(payout, plan, receipt, extra);
    for (let reads = 1; reads <= MAX_GUARD_READS; reads += 1) {
      const attempts = (await this.attempts.listAttempts(payout.payout_id)).sort((a, b) => a.attempt - b.attempt);
      const last = attempts.at(-1);
      if (last && isOpen(last)) return openOutcome(last);
      const guard = this.guardItems(payout.payout_id, last?.attempt ?? 0);
      const outcome = await super.movePayout(payout, plan, receipt, [...extra, ...guard]);
      if (outcome.kind !== 'extra-condition-failed' || outcome.index < extra.length) return outcome;
      // An attempt changed between the read and the commit: read them again (and refuse if one is open now).
    }
    return { kind: 'busy', error: new BusyError('The payout is changing right now; retry in a moment.') };
  }

  private guardItems(payoutId: string, last: number): TransactItem[] {
    const table = this.providerTables.attempts;
    return [
      ...(last > 0
        ? [
            {
              ConditionCheck: {
                TableName: table,
                Key: { [ATTEMPTS.partitionKey]: payoutId, [ATTEMPTS.sortKey]: last },
                ConditionExpression: attemptClosed,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':queued': 'queued', ':sent': 'sent' },
              },
            },
          ]
        : []),
      {
        ConditionCheck: {
          TableName: table,
          Key: { [ATTEMPTS.partitionKey]: payoutId, [ATTEMPTS.sortKey]: last + 1 },
          ConditionExpression: noNewerAttempt,
          ExpressionAttributeNames: { '#id': ATTEMPTS.partitionKey },
        },
      },
    ];
  }
}

function openOutcome(attempt: Attempt): MoveOutcome {
  return {
    kind: 'attempt-open',
    attempt: { number: attempt.attempt, provider: attempt.provider, status: attempt.status },
  };
}
