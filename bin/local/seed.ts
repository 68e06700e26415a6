import { readFileSync } from 'node:fs';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { PAYMENT_METHODS } from '../../shared/domain/payout.ts';
import { claimKeys, DUPLICATE_DESTINATION, SCHEDULES } from '../../shared/domain/settings.ts';
import { AFFILIATES } from '../../shared/store/dynamodb/tables.ts';

const text = (name: string) =>
  z
    .string({ error: `${name} must be a non-empty string` })
    .check(z.minLength(1, { error: `${name} must be a non-empty string` }));

type SeedFields = {
  affiliate_id: string;
  user_id: string;
  status: string;
  tier?: string;
  total_earned: number;
  payment_method?: (typeof PAYMENT_METHODS)[number];
  payment_email?: string;
  stripe_account_id?: string;
  schedule?: (typeof SCHEDULES)[number];
  auto_minimum?: number;
};

/**
 * One affiliate of a SEED_FILE: the fields the commissions system would have written. zod/mini, like the Lambda
 * code, so no classic zod (and its English messages) is ever loaded next to the functions in tests.
 */
export const seedAffiliate = z.pipe(
  z.object(
    {
      affiliate_id: text('affiliate_id'),
      user_id: text('user_id'),
      status: text('status'),
      tier: z.nullish(text('tier')),
      total_earned: z
        .int({ error: 'total_earned must be a whole number of cents' })
        .check(z.nonnegative({ error: 'total_earned must not be negative' })),
      payment_method: z.nullish(
        z.enum(PAYMENT_METHODS, { error: `payment_method must be one of: ${PAYMENT_METHODS.join(', ')}` }),
      ),
      payment_email: z.nullish(z.email({ error: 'payment_email must be a valid e-mail address' })),
      stripe_account_id: z.nullish(
        z.string().check(z.regex(/^acct_[A-Za-z0-9_]{1,250}$/, { error: 'stripe_account_id must look like acct_…' })),
      ),
      schedule: z.nullish(z.enum(SCHEDULES, { error: `schedule must be one of: ${SCHEDULES.join(', ')}` })),
      auto_minimum: z.nullish(
        z
          .int({ error: 'auto_minimum must be a whole number of cents' })
          .check(z.positive({ error: 'auto_minimum must be greater than zero' })),
      ),
    },
    { error: 'each affiliate must be an object' },
  ),
  // Other fields of an exported affiliate record are dropped; null optional fields are left out.
  z.transform(
    (affiliate) => Object.fromEntries(Object.entries(affiliate).filter(([, value]) => value != null)) as SeedFields,
  ),
);
export type SeedAffiliate = z.output<typeof seedAffiliate>;

/** The demo affiliates `npm start` seeds when no SEED_FILE is given. */
export const DEMO_AFFILIATES: SeedAffiliate[] = [
  {
    affiliate_id: 'aff-demo-1',
    user_id: 'user-demo-1',
    status: 'active',
    tier: 'tier1',
    total_earned: 150_000,
    payment_method: 'paypal',
    payment_email: 'demo1@example.com',
  },
  {
    affiliate_id: 'aff-demo-2',
    user_id: 'user-demo-2',
    status: 'active',
    tier: 'tier2',
    total_earned: 500_000,
    payment_method: 'zelle',
    payment_email: 'demo2@example.com',
  },
  {
    affiliate_id: 'aff-demo-3',
    user_id: 'user-demo-3',
    status: 'suspended',
    tier: 'tier1',
    total_earned: 20_000,
    payment_method: 'paypal',
    payment_email: 'demo3@example.com',
  },
  {
    affiliate_id: 'aff-demo-4',
    user_id: 'user-demo-4',
    status: 'active',
    total_earned: 2_500,
    payment_method: 'paypal',
    payment_email: 'demo4@example.com',
  },
];

export function readSeedFile(path: string): SeedAffiliate[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`SEED_FILE ${path} could not be read as JSON: ${(error as Error).message}`);
  }
  const result = z
    .array(seedAffiliate, { error: 'SEED_FILE must hold a JSON array of affiliates' })
    .check(z.minLength(1, { error: 'SEED_FILE must list at least one affiliate' }))
    .safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`SEED_FILE ${path} is not valid at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}

/**
 * Writes affiliates with zeroed payout counters, 25 per batch, and their destination claims (issue 13): the first
 * affiliate with a destination owns its claim; every affiliate sharing it is flagged DUPLICATE_PAYOUT_DESTINATION.
 * Scheduled affiliates get the schedule index's key.
 */
export async function seedAffiliates(
  client: DynamoDBDocumentClient,
  table: string,
  affiliates: SeedAffiliate[],
): Promise<void> {
  const now = new Date().toISOString();
  const holders = new Map<string, string[]>();
  for (const affiliate of affiliates)
    for (const key of claimKeys(affiliate))
      holders.set(key, [...new Set([...(holders.get(key) ?? []), affiliate.affiliate_id])]);
  const shared = new Set([...holders.values()].filter((ids) => ids.length > 1).flat());
  const claims = [...holders].map(([key, [owner, ...others]]) => ({
    [AFFILIATES.partitionKey]: key,
    kind: 'destination-claim',
    owner,
    ...(others.length > 0 ? { claimants: new Set(others) } : {}),
    claimed_at: now,
  }));
  const items: Record<string, unknown>[] = [
    ...affiliates.map((affiliate) => ({
      ...affiliate,
      total_paid: 0,
      total_pending: 0,
      payout_count: 0,
      created_at: now,
      updated_at: now,
      ...(shared.has(affiliate.affiliate_id) ? { flags: new Set([DUPLICATE_DESTINATION]) } : {}),
      ...(affiliate.schedule && affiliate.schedule !== 'manual'
        ? { [AFFILIATES.scheduleIndex.partitionKey]: AFFILIATES.scheduleIndex.scheduledPartition }
        : {}),
    })),
    ...claims,
  ];
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    let pending: Record<string, unknown[]> | undefined = { [table]: batch };
    while (pending && Object.keys(pending).length > 0) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: pending as never }));
      pending = result.UnprocessedItems as Record<string, unknown[]> | undefined;
    }
  }
}
