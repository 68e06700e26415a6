import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ACTIVE } from '../../domain/affiliate.ts';
import { DUPLICATE_DESTINATION } from '../../domain/settings.ts';
import type { ReservationGuard } from '../../domain/balance.ts';
import type { MovePlan, Payout } from '../../domain/payout.ts';
import type { IdempotencyRecord, SettingsWrite } from '../../domain/ports.ts';
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
const outsideCooldown = '(attribute_not_exists(cooldown_until) OR cooldown_until <= :now)'; // a changed destination waits out its cool-down
const notFlaggedSinceRead = '(attribute_not_exists(#flags) OR NOT contains(#flags, :duplicate))'; // a flag set since the read must reach the payout
// The payout and the idempotency record.
const payoutIsNew = 'attribute_not_exists(#id)'; // a payout id is minted once
const keyUnusedOrExpired = 'attribute_not_exists(#key) OR #expires <= :nowSeconds'; // TTL deletes lag behind expiry
// A move.
const statusUnchanged = '#status = :from'; // someone else moved it first: plan again against what it is now
const affiliateExists = 'attribute_exists(#id)';
const pendingCoversMove = 'total_pending >= :pendingOut'; // less than this move takes out means the counters drifted
const paidCoversMove = 'total_paid >= :paidOut';
const affiliateNotFlagged = '(attribute_not_exists(#flags) OR NOT contains(#flags, :duplicate))'; // a shared destination needs the admin's confirmation
const dueByNow = '(attribute_not_exists(scheduled_for) OR scheduled_for <= :today)'; // a future-dated payout waits for its day
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
  const flagged = payout.flags?.includes(DUPLICATE_DESTINATION) ?? false;
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
        ConditionExpression: all(
          affiliateActive,
          earnedNotFallen,
          paidNotRisen,
          pendingWithinBound,
          outsideCooldown,
          ...(flagged ? [] : [notFlaggedSinceRead]),
        ),
        UpdateExpression:
          'SET total_pending = if_not_exists(total_pending, :zero) + :amount, payout_count = if_not_exists(payout_count, :zero) + :one',
        ExpressionAttributeNames: { '#status': 'status', ...(flagged ? {} : { '#flags': 'flags' }) },
        ExpressionAttributeValues: {
          ':now': payout.requested_at,
          ...(flagged ? {} : { ':duplicate': DUPLICATE_DESTINATION }),
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
  const due = plan.requires?.dueOn;
  if (due !== undefined) values[':today'] = due;
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tables.payouts,
        Key: { [PAYOUTS.partitionKey]: payout.payout_id },
        ConditionExpression: all(
          statusUnchanged,
          ...(receipt ? [receiptNotGiven] : []),
          ...(due !== undefined ? [dueByNow] : []),
        ),
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ];
  const { pending, paid } = plan.delta;
  const notFlagged = plan.requires?.affiliateNotFlagged === true;
  if (pending !== 0 || paid !== 0) items.push(countersItem(tables, payout, pending, paid, notFlagged));
  else if (notFlagged) {
    // A send (pending -> processing) moves no counters: the affiliate's flag is checked on its own.
    items.push({
      ConditionCheck: {
        TableName: tables.affiliates,
        Key: { [AFFILIATES.partitionKey]: payout.affiliate_id },
        ConditionExpression: affiliateNotFlagged,
        ExpressionAttributeNames: { '#flags': 'flags' },
        ExpressionAttributeValues: { ':duplicate': DUPLICATE_DESTINATION },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  }
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

function countersItem(
  tables: TableNames,
  payout: Payout,
  pending: number,
  paid: number,
  notFlagged: boolean,
): TransactItem {
  return {
    Update: {
      TableName: tables.affiliates,
      Key: { [AFFILIATES.partitionKey]: payout.affiliate_id },
      ConditionExpression: all(
        affiliateExists,
        ...(pending < 0 ? [pendingCoversMove] : []),
        ...(paid < 0 ? [paidCoversMove] : []),
        ...(notFlagged ? [affiliateNotFlagged] : []),
      ),
      UpdateExpression: 'ADD total_pending :pending, total_paid :paid',
      ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey, ...(notFlagged ? { '#flags': 'flags' } : {}) },
      // The record comes back with a refusal: drifted counters and a flagged affiliate are told apart by it.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ExpressionAttributeValues: {
        ...(notFlagged ? { ':duplicate': DUPLICATE_DESTINATION } : {}),
        ':pending': pending,
        ':paid': paid,
        ...(pending < 0 ? { ':pendingOut': -pending } : {}),
        ...(paid < 0 ? { ':paidOut': -paid } : {}),
      },
    },
  };
}

// Settings (issue 13): the affiliate's own settings, the destination claims, and the review flags, in one transaction.
const affiliateIsThere = 'attribute_exists(#id)';
const settingsUnchanged = 'settings_version = :version'; // nobody changed the settings since the read...
const settingsNeverSet = 'attribute_not_exists(settings_version)'; // ...or, for the first change, nobody set any
const claimUnclaimed = 'attribute_not_exists(#id)'; // the destination was free when read
const claimOwnedBy = '#owner = :owner'; // or held by the affiliate read as its owner

/**
 * Items in order: the affiliate's Update (settings, version, cool-down, schedule index key, its own flag), then one
 * item per claim to take, then one flag Update per other affiliate holding the destination.
 */
export function settingsItems(tables: TableNames, write: SettingsWrite): TransactItem[] {
  const names: Record<string, string> = {
    '#id': AFFILIATES.partitionKey,
    '#pk': AFFILIATES.scheduleIndex.partitionKey,
  };
  const values: Record<string, unknown> = { ':next': write.version + 1 };
  const sets = ['settings_version = :next'];
  const removes: string[] = [];
  for (const [index, [field, value]] of Object.entries(write.set).entries()) {
    names[`#f${index}`] = field;
    if (value === null) removes.push(`#f${index}`);
    else {
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    }
  }
  if (write.scheduled) {
    values[':scheduled'] = AFFILIATES.scheduleIndex.scheduledPartition;
    sets.push('#pk = :scheduled');
  } else removes.push('#pk');
  if (write.version > 0) values[':version'] = write.version;
  const duplicate = new Set([DUPLICATE_DESTINATION]);
  if (write.flagSelf) {
    names['#flags'] = 'flags';
    values[':duplicate'] = duplicate;
  }
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tables.affiliates,
        Key: { [AFFILIATES.partitionKey]: write.affiliateId },
        ConditionExpression: all(affiliateIsThere, write.version > 0 ? settingsUnchanged : settingsNeverSet),
        UpdateExpression: [
          `SET ${sets.join(', ')}`,
          ...(removes.length > 0 ? [`REMOVE ${removes.join(', ')}`] : []),
          ...(write.flagSelf ? ['ADD #flags :duplicate'] : []),
        ].join(' '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
  for (const claim of write.claims) {
    if (claim.owner === write.affiliateId) continue;
    items.push(
      claim.owner === undefined
        ? {
            Put: {
              TableName: tables.affiliates,
              Item: {
                [AFFILIATES.partitionKey]: claim.key,
                kind: 'destination-claim',
                owner: write.affiliateId,
                claimed_at: write.set.updated_at,
              },
              ConditionExpression: claimUnclaimed,
              ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey },
            },
          }
        : {
            Update: {
              TableName: tables.affiliates,
              Key: { [AFFILIATES.partitionKey]: claim.key },
              ConditionExpression: claimOwnedBy,
              UpdateExpression: 'ADD claimants :me',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': claim.owner, ':me': new Set([write.affiliateId]) },
            },
          },
    );
  }
  for (const other of write.flagOthers) {
    items.push({
      Update: {
        TableName: tables.affiliates,
        Key: { [AFFILIATES.partitionKey]: other },
        ConditionExpression: affiliateIsThere,
        UpdateExpression: 'ADD #flags :duplicate',
        ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey, '#flags': 'flags' },
        ExpressionAttributeValues: { ':duplicate': duplicate },
      },
    });
  }
  return items;
}

/**
 * An admin's review of an existing affiliate (never a claim item: those have no user_id), keeping who and when:
 * `update` is the clause that ends what was reviewed, `stamp` names the who/when attributes.
 */
function adminReviewUpdate(
  tables: TableNames,
  affiliateId: string,
  review: { update: string; stamp: string; names?: Record<string, string>; values?: Record<string, unknown> },
  by: string,
  at: string,
) {
  return {
    TableName: tables.affiliates,
    Key: { [AFFILIATES.partitionKey]: affiliateId },
    ConditionExpression: 'attribute_exists(#id) AND attribute_exists(user_id)',
    UpdateExpression: `${review.update} SET ${review.stamp}_by = :by, ${review.stamp}_at = :at, updated_at = :at`,
    ExpressionAttributeNames: { '#id': AFFILIATES.partitionKey, ...review.names },
    ExpressionAttributeValues: { ...review.values, ':by': by, ':at': at },
    ReturnValues: 'ALL_NEW' as const,
  };
}

/** POST /admin/affiliates/{id}/cooldown/clear: the cool-down ends now. */
export function clearCooldownUpdate(tables: TableNames, affiliateId: string, by: string, at: string) {
  return adminReviewUpdate(tables, affiliateId, { update: 'REMOVE cooldown_until', stamp: 'cooldown_cleared' }, by, at);
}

/**
 * An admin has reviewed an affiliate's shared destination: the flag goes (later requests are not marked, and moves
 * no longer need the confirmation).
 */
export function clearDuplicateFlagUpdate(tables: TableNames, affiliateId: string, by: string, at: string) {
  return adminReviewUpdate(
    tables,
    affiliateId,
    {
      update: 'DELETE #flags :duplicate',
      stamp: 'duplicate_reviewed',
      names: { '#flags': 'flags' },
      values: { ':duplicate': new Set([DUPLICATE_DESTINATION]) },
    },
    by,
    at,
  );
}
