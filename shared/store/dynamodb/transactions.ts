import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ACTIVE } from '../../domain/affiliate.ts';
import type { ReservationGuard } from '../../domain/balance.ts';
import type { MovePlan, Payout } from '../../domain/payout.ts';
import type { IdempotencyRecord } from '../../domain/ports.ts';
import type { ReceiptClaim } from '../../domain/tax.ts';
import { idempotencyItem } from './records.ts';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS, type TableNames } from './tables.ts';

/**
 * The two transactions that move money, as condition expressions built from named fragments: each clause says
 * in one line why it is there. The rules themselves (what may be reserved, what a move does) are the domain's;
 * this module only writes them down for DynamoDB.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

// Reservation: the affiliate's counters, conditioned on the guard (shared/domain/balance.ts).
const affiliateActive = '#status = :active'; // a suspended affiliate cannot reserve
const earnedNotFallen = 'total_earned >= :earnedAtLeast'; // a clawback since the read voids the decision
const paidNotRisen = '(attribute_not_exists(total_paid) OR total_paid <= :paidAtMost)'; // paid only grows by moves we count
const pendingWithinBound = '(attribute_not_exists(total_pending) OR total_pending <= :pendingAtMost)'; // earned - paid - amount, as read
// The payout and the idempotency record.
const payoutIsNew = 'attribute_not_exists(#id)'; // a payout id is minted once
const keyUnusedOrExpired = 'attribute_not_exists(#key) OR #expires <= :nowSeconds'; // TTL deletes lag behind expiry
// A move.
const statusUnchanged = '#status = :from'; // someone else moved it first: plan again against what it is now
const affiliateExists = 'attribute_exists(#id)';
const pendingCoversMove = 'total_pending >= :pendingOut'; // less than this move takes out means the counters drifted
const paidCoversMove = 'total_paid >= :paidOut';
// The tax year.
const yearPaidNotRisen = '(attribute_not_exists(paid_cents) OR paid_cents <= :yearPaidAtMost)'; // the tax form gate, as read
const receiptNotGiven = 'attribute_not_exists(receipt_number)'; // a receipt number is immutable once given
const sequenceAt = 'last_number = :last'; // nobody took the number after the one read...
const sequenceUnused = 'attribute_not_exists(last_number)'; // ...or, for the year's first, nobody took any

const all = (...clauses: string[]) => clauses.join(' AND ');

/** Items in order: payout Put, counters Update, idempotency Put (when a key was sent). */
export function reserveItems(
  tables: TableNames,
  payout: Payout,
  guard: ReservationGuard,
  idempotency: IdempotencyRecord | undefined,
  nowSeconds: number,
): TransactItem[] {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tables.payouts,
        Item: payout,
        ConditionExpression: payoutIsNew,
        ExpressionAttributeNames: { '#id': PAYOUTS.partitionKey },
      },
    },
    {
      Update: {
        TableName: tables.affiliates,
        Key: { [AFFILIATES.partitionKey]: payout.affiliate_id },
        ConditionExpression: all(affiliateActive, earnedNotFallen, paidNotRisen, pendingWithinBound),
        UpdateExpression:
          'SET total_pending = if_not_exists(total_pending, :zero) + :amount, payout_count = if_not_exists(payout_count, :zero) + :one',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':active': ACTIVE,
          ':earnedAtLeast': guard.earnedAtLeast,
          ':paidAtMost': guard.paidAtMost,
          ':pendingAtMost': guard.pendingAtMost,
          ':amount': payout.amount,
          ':zero': 0,
          ':one': 1,
        },
        // The current record comes back with a refusal, so the use case can decide again without another read.
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ];
  if (idempotency) {
    items.push({
      Put: {
        TableName: tables.idempotency,
        Item: idempotencyItem(idempotency),
        ConditionExpression: keyUnusedOrExpired,
        ExpressionAttributeNames: { '#key': IDEMPOTENCY.partitionKey, '#expires': IDEMPOTENCY.ttlAttribute },
        ExpressionAttributeValues: { ':nowSeconds': nowSeconds },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  }
  if (guard.taxYear) {
    items.push({
      ConditionCheck: {
        TableName: tables.taxYears,
        Key: { [TAX_YEARS.partitionKey]: guard.taxYear.year, [TAX_YEARS.sortKey]: payout.affiliate_id },
        ConditionExpression: yearPaidNotRisen,
        ExpressionAttributeValues: { ':yearPaidAtMost': guard.taxYear.paidAtMost },
      },
    });
  }
  return items;
}

/**
 * Items in order: payout Update, the counters Update when the move changes them, the tax year totals Update when it
 * pays or takes back money, and last the receipt sequence Update when it claims a receipt number.
 */
export function moveItems(
  tables: TableNames,
  payout: Payout,
  plan: Extract<MovePlan, { kind: 'move' }>,
  receipt?: ReceiptClaim,
): TransactItem[] {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {
    ':from': plan.from,
    ':to': plan.to,
    ':now': plan.change.at,
    ':change': [plan.change],
    ':empty': [],
  };
  const assignments = [
    '#status = :to',
    'updated_at = :now',
    'history = list_append(if_not_exists(history, :empty), :change)',
  ];
  const fields: Record<string, unknown> = { ...plan.set, ...(receipt ? { receipt_number: receipt.number } : {}) };
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    assignments.push(`#${field} = :${field}`);
  }
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tables.payouts,
        Key: { [PAYOUTS.partitionKey]: payout.payout_id },
        ConditionExpression: receipt ? all(statusUnchanged, receiptNotGiven) : statusUnchanged,
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ];
  const { pending, paid } = plan.delta;
  if (pending !== 0 || paid !== 0) items.push(countersItem(tables, payout, pending, paid));
  if (plan.taxYear) {
    const { year, paid: yearPaid, count, channel } = plan.taxYear;
    items.push({
      Update: {
        TableName: tables.taxYears,
        Key: { [TAX_YEARS.partitionKey]: year, [TAX_YEARS.sortKey]: payout.affiliate_id },
        UpdateExpression: `ADD paid_cents :paid, paid_count :count, ${channel === 'provider' ? 'paid_provider_cents' : 'paid_other_cents'} :paid`,
        ExpressionAttributeValues: { ':paid': yearPaid, ':count': count },
      },
    });
  }
  if (receipt) {
    items.push({
      Update: {
        TableName: tables.taxYears,
        Key: { [TAX_YEARS.partitionKey]: receipt.year, [TAX_YEARS.sortKey]: TAX_YEARS.receiptsKey },
        ConditionExpression: receipt.last === 0 ? sequenceUnused : sequenceAt,
        UpdateExpression: 'SET last_number = :next',
        ExpressionAttributeValues: {
          ':next': receipt.last + 1,
          ...(receipt.last === 0 ? {} : { ':last': receipt.last }),
        },
      },
    });
  }
  return items;
}

function countersItem(tables: TableNames, payout: Payout, pending: number, paid: number): TransactItem {
  return {
    Update: {
      TableName: tables.affiliates,
      Key: { [AFFILIATES.partitionKey]: payout.affiliate_id },
      ConditionExpression: all(
        affiliateExists,
        ...(pending < 0 ? [pendingCoversMove] : []),
        ...(paid < 0 ? [paidCoversMove] : []),
      ),
      UpdateExpression: 'ADD total_pending :pending, total_paid :paid',
      ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey },
      ExpressionAttributeValues: {
        ':pending': pending,
        ':paid': paid,
        ...(pending < 0 ? { ':pendingOut': -pending } : {}),
        ...(paid < 0 ? { ':paidOut': -paid } : {}),
      },
    },
  };
}
