import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import Stripe from 'stripe';
import {
  SIM_PAYPAL_CLIENT_ID,
  SIM_PAYPAL_CLIENT_SECRET,
  SIM_PAYPAL_WEBHOOK_ID,
  SIM_STRIPE_KEY,
  SIM_STRIPE_WEBHOOK_SECRET,
  startProviderSimulator,
  type ProviderSimulator,
  type SimulatorState,
} from '../../../bin/local/provider-simulator.ts';
import { createSenderHandler, type SenderHandler } from '../../../lambdas/payout-sender/app.ts';
import { createSweeperHandler } from '../../../lambdas/payout-sweeper/app.ts';
import { createWebhooksHandler } from '../../../lambdas/provider-webhooks/app.ts';
import type { PayoutStatus } from '../../../shared/domain/payout.ts';
import { createProviderRuntime, type ProviderRuntime } from '../../../shared/providers/runtime.ts';
import type { PayoutProvider } from '../../../shared/domain/payout-provider.ts';
import { ProviderSync } from '../../../shared/usecases/provider-sync.ts';
import { functionUrlEvent } from '../../support/http.ts';
import { cloneState, differences, type ModelAttempt, type ModelState, type ProviderStep } from './model.ts';
import type { Item, Snapshot, System } from './system.ts';

/**
 * The provider rails under the model: the simulator (Stripe + PayPal), the real payout-sender, provider-webhooks
 * and sweeper handlers on the model's tables, and the two things the model holds back so it can choose when (and
 * how often, in which order) they arrive: the attempts' stream records and the webhooks the simulator sent.
 *
 * Nothing runs on its own: the stream is not drained and the simulator's webhooks land in an inbox, so a provider
 * step does exactly what the model asked. The simulator settles PayPal items and reverses `reverse` recipients at
 * once (quiet() waits for it); the model does not predict those outcomes, it checks them (absorbProviderStep) and
 * the invariants against the simulator's own ledger (checkRails).
 */

/** A webhook the simulator sent, as it sent it (headers signed at that moment). */
interface Captured {
  provider: 'stripe' | 'paypal';
  headers: Record<string, string>;
  body: string;
  /** Deliveries to the webhooks handler so far. */
  deliveries: number;
  /** Answered 200 once: every later delivery must be recognized as a replay (no second effect). */
  accepted?: boolean;
}

interface PendingRecord {
  key: string;
  record: DynamoDBRecord;
}

export interface RailFigures {
  streamRecords: number;
  senderInvocations: number;
  senderFailures: number;
  faults: Record<string, number>;
  webhooks: Record<string, number>;
  forged: number;
  sweeps: Record<string, number>;
  settles: number;
}

export interface Rails {
  sim: ProviderSimulator;
  runtime: ProviderRuntime;
  figures: RailFigures;
  /** Forgets the previous run's records and webhooks (the tables are wiped by the caller). */
  reset(): void;
  /** Stream records for attempts that are queued in this snapshot and were not seen in that state before. */
  collect(snap: Snapshot): void;
  /** Runs one provider step; returns problems with its answers (a 500, a forged webhook accepted, …). */
  run(step: ProviderStep): Promise<string[]>;
  /** Everything delivered until nothing is left: the stream, the simulator's outcomes, the webhooks, a sweep. */
  settle(snapshotNow: () => Promise<Snapshot>): Promise<string[]>;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });

const bump = (counts: Record<string, number>, key: string, by = 1) => (counts[key] = (counts[key] ?? 0) + by);

/** One provider adapter with a crash around its send: before it calls the provider, or after the provider acted. */
function crashing(real: PayoutProvider, when: 'before' | 'after'): PayoutProvider {
  return {
    name: real.name,
    poll: (attempt) => real.poll(attempt),
    send: async (attempt) => {
      if (when === 'after') await real.send(attempt);
      throw new Error(`the sender crashed ${when} the provider call`);
    },
  };
}

export async function attachRails(system: System): Promise<Rails> {
  const inbox: Captured[] = [];
  const applied: Captured[] = [];
  const capture: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([name, value]) =>
        typeof value === 'string' && (name.startsWith('paypal-') || name === 'stripe-signature') ? [[name, value]] : [],
      ),
    );
    inbox.push({ provider: request.url?.endsWith('/stripe') ? 'stripe' : 'paypal', headers, body, deliveries: 0 });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  const sim = await startProviderSimulator({
    webhookBase: `http://127.0.0.1:${(capture.address() as AddressInfo).port}`,
    controls: { settleDelayMs: 0, reverseDelayMs: 0 },
  });
  const { db } = system;
  const runtime = await createProviderRuntime(
    {
      DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: 'us-east-1',
      AFFILIATES_TABLE: db.tables.affiliates,
      PAYOUTS_TABLE: db.tables.payouts,
      IDEMPOTENCY_TABLE: db.tables.idempotency,
      TAX_YEARS_TABLE: db.tables.taxYears,
      ATTEMPTS_TABLE: db.providerTables.attempts,
      PROVIDER_EVENTS_TABLE: db.providerTables.events,
      STRIPE_SECRET_KEY: SIM_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: SIM_STRIPE_WEBHOOK_SECRET,
      STRIPE_API_BASE: sim.url,
      PAYPAL_CLIENT_ID: SIM_PAYPAL_CLIENT_ID,
      PAYPAL_CLIENT_SECRET: SIM_PAYPAL_CLIENT_SECRET,
      PAYPAL_API_BASE: sim.url,
      PAYPAL_WEBHOOK_ID: SIM_PAYPAL_WEBHOOK_ID,
      // A time-out after commit costs this much wall time: short, but far above the simulator's answer time.
      PROVIDER_TIMEOUT_MS: '400',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    },
    'model-rails',
  );
  const providers = {
    ...(runtime.stripe ? { stripe: runtime.stripe } : {}),
    ...(runtime.paypal ? { paypal: runtime.paypal } : {}),
  };
  const sender = createSenderHandler(runtime);
  const crashSender = (when: 'before' | 'after'): SenderHandler => {
    const wrapped = Object.fromEntries(Object.entries(providers).map(([name, real]) => [name, crashing(real, when)]));
    return createSenderHandler({
      sync: new ProviderSync(runtime.store, wrapped, runtime.logger),
      logger: runtime.logger,
    });
  };
  const senders = { before: crashSender('before'), after: crashSender('after') };
  const sweeper = createSweeperHandler({ ...runtime, config: { ...runtime.config, sweepMinAgeSeconds: 0 } });
  const webhooks = createWebhooksHandler(runtime);

  const figures: RailFigures = {
    streamRecords: 0,
    senderInvocations: 0,
    senderFailures: 0,
    faults: {},
    webhooks: {},
    forged: 0,
    sweeps: {},
    settles: 0,
  };
  let pending: PendingRecord[] = [];
  let handled: PendingRecord[] = [];
  const seen = new Set<string>();
  let sequence = 0;

  const deliverRecords = async (records: PendingRecord[], handler: SenderHandler): Promise<string[]> => {
    if (records.length === 0) return [];
    figures.senderInvocations += 1;
    const result = await handler({ Records: records.map((one) => one.record) });
    const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    figures.senderFailures += failed.size;
    const done = records.filter((one) => !failed.has(one.record.dynamodb?.SequenceNumber ?? ''));
    pending = pending.filter((one) => !done.includes(one));
    handled.push(...done);
    return [];
  };

  /** Sends one webhook through the real handler; 200 takes it out of the inbox, anything else leaves it (redelivered). */
  const deliverHook = async (hook: Captured, headers = hook.headers, body = hook.body) => {
    const result = await webhooks(
      functionUrlEvent({ method: 'POST', path: `/webhooks/${hook.provider}`, headers, rawBody: body }),
    );
    return { status: result.statusCode, outcome: (JSON.parse(String(result.body)) as { outcome?: string }).outcome };
  };

  const hooks = async (count: number, lifo: boolean, dup: boolean): Promise<string[]> => {
    const problems: string[] = [];
    const chosen = (lifo ? [...inbox].reverse() : [...inbox]).slice(0, count);
    for (const hook of chosen) {
      for (let copy = 0; copy < (dup ? 2 : 1); copy += 1) {
        const { status, outcome } = await deliverHook(hook);
        hook.deliveries += 1;
        bump(figures.webhooks, `${hook.accepted ? 'again ' : ''}${status} ${outcome ?? ''}`.trim());
        if (hook.accepted && (status !== 200 || outcome !== 'replay'))
          problems.push(`a webhook delivered again answered ${status} ${outcome ?? ''}, not 200 replay`);
        if (status === 200) hook.accepted = true;
        if (status >= 500 && status !== 503) problems.push(`a webhook answered ${status}: ${hook.body.slice(0, 200)}`);
        if (status === 200 && inbox.includes(hook)) {
          inbox.splice(inbox.indexOf(hook), 1);
          applied.push(hook);
        }
        if (status !== 200 && status !== 503) problems.push(`a genuine webhook answered ${status}`);
      }
    }
    return problems;
  };

  const forge = async (how: 'badsig' | 'tampered' | 'stale'): Promise<string[]> => {
    const source =
      inbox.at(-1) ??
      applied.at(-1) ??
      ({
        provider: 'stripe',
        headers: {},
        body: JSON.stringify({ id: 'evt_forged', type: 'transfer.created', data: { object: { id: 'tr_forged' } } }),
        deliveries: 0,
      } satisfies Captured);
    figures.forged += 1;
    let headers = { ...source.headers };
    let body = source.body;
    if (how === 'tampered') body = body.replace(/"amount":\s?(\d+)/, '"amount":1$1').replace(/"value":"/, '"value":"1');
    if (how === 'badsig' || (how === 'stale' && source.provider === 'paypal')) {
      headers =
        source.provider === 'stripe'
          ? { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_forged' }) }
          : { ...headers, 'paypal-transmission-sig': Buffer.from('forged').toString('base64') };
    }
    if (how === 'stale' && source.provider === 'stripe') {
      headers = {
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: SIM_STRIPE_WEBHOOK_SECRET,
          timestamp: Math.floor(Date.now() / 1000) - 3_600,
        }),
      };
    }
    const { status } = await deliverHook(source, headers, body);
    bump(figures.webhooks, `forged ${status}`);
    return status === 400 ? [] : [`a forged webhook (${how}) answered ${status}, not 400`];
  };

  const run = async (step: ProviderStep): Promise<string[]> => {
    switch (step.kind) {
      case 'sender': {
        const batch = step.first ? pending.slice(0, 1) : [...pending];
        bump(figures.faults, step.fault);
        const controls = sim.controls;
        if (step.fault === 'timeout') controls.timeoutAfterCommit = 1;
        if (step.fault === '500') controls.fail500 = 1;
        if (step.fault === 'lowFunds') controls.insufficientFunds = 1;
        const handler =
          step.fault === 'crashBefore' ? senders.before : step.fault === 'crashAfter' ? senders.after : sender;
        try {
          return await deliverRecords(batch, handler);
        } finally {
          Object.assign(controls, { timeoutAfterCommit: 0, fail500: 0, insufficientFunds: 0 });
          await sim.quiet();
        }
      }
      case 'redeliver': {
        const again = handled.slice(-3);
        if (again.length === 0) return [];
        figures.senderInvocations += 1;
        const result = await sender({ Records: again.map((one) => one.record) });
        figures.senderFailures += result.batchItemFailures.length;
        await sim.quiet();
        return [];
      }
      case 'hooks':
        await sim.quiet();
        return hooks(step.count, step.lifo, step.dup);
      case 'replayHook': {
        const hook = applied.at(-1);
        if (!hook) return [];
        const { status, outcome } = await deliverHook(hook);
        bump(figures.webhooks, `replay ${status} ${outcome ?? ''}`.trim());
        return status === 200 && outcome === 'replay'
          ? []
          : [`a replayed webhook answered ${status} ${outcome ?? ''}, not 200 replay`];
      }
      case 'forge':
        return forge(step.how);
      case 'sweep': {
        const result = await sweeper();
        for (const [outcome, count] of Object.entries(result.outcomes)) bump(figures.sweeps, outcome, count);
        bump(figures.sweeps, 'redriven', result.redriven);
        await sim.quiet();
        return [];
      }
    }
  };

  const collect = (snap: Snapshot) => {
    for (const item of snap.attempts ?? []) {
      if (item.status !== 'queued') continue;
      const key = `${item.payout_id}#${item.attempt}#${item.updated_at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      sequence += 1;
      figures.streamRecords += 1;
      pending.push({
        key,
        record: {
          eventID: `model-${sequence}`,
          eventName: item.created_at === item.updated_at ? 'INSERT' : 'MODIFY',
          eventSource: 'aws:dynamodb',
          awsRegion: 'us-east-1',
          dynamodb: {
            Keys: marshall({ payout_id: item.payout_id, attempt: item.attempt }) as Record<string, AttributeValue>,
            NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
            SequenceNumber: String(sequence).padStart(21, '0'),
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        },
      });
    }
  };

  return {
    sim,
    runtime,
    figures,
    reset() {
      inbox.length = 0;
      applied.length = 0;
      pending = [];
      handled = [];
      seen.clear();
    },
    collect,
    run,
    async settle(snapshotNow) {
      figures.settles += 1;
      const pollFirst = figures.settles % 2 === 0;
      const problems: string[] = [];
      let swept = true;
      for (let round = 0; round < 6; round += 1) {
        collect(await snapshotNow());
        // Done when nothing is in flight and the last sweep found nothing to poll or re-drive.
        if (pending.length === 0 && inbox.length === 0 && !swept) break;
        await deliverRecords([...pending], sender);
        await sim.quiet();
        // Every other run the sweeper polls before the webhooks arrive: then the poll moves the payout and the
        // webhooks must find it there (and the other way round): webhook and poll converge either way.
        if (pollFirst && round === 0) {
          const early = await sweeper();
          for (const [outcome, count] of Object.entries(early.outcomes)) bump(figures.sweeps, outcome, count);
        }
        problems.push(...(await hooks(inbox.length, false, false)));
        const sweep = await sweeper();
        for (const [outcome, count] of Object.entries(sweep.outcomes)) bump(figures.sweeps, outcome, count);
        swept = sweep.redriven > 0 || Object.entries(sweep.outcomes).some(([outcome]) => outcome === 'applied');
        await sim.quiet();
      }
      // Late duplicates: the last webhooks applied, delivered once more, must be recognized (no second effect).
      for (const hook of applied.slice(-2)) {
        const { status, outcome } = await deliverHook(hook);
        bump(figures.webhooks, `late duplicate ${status} ${outcome ?? ''}`.trim());
        if (status !== 200 || outcome !== 'replay')
          problems.push(`a late duplicate webhook answered ${status} ${outcome ?? ''}, not 200 replay`);
      }
      if (pending.length > 0) problems.push(`${pending.length} stream record(s) still fail after settling`);
      if (inbox.length > 0)
        problems.push(
          `${inbox.length} webhook(s) still refused after settling: ${inbox.map((hook) => hook.body.slice(0, 120)).join(' | ')}`,
        );
      return problems;
    },
    async close() {
      await sim.close();
      capture.closeAllConnections();
      await new Promise<void>((resolve) => capture.close(() => resolve()));
      runtime.client.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a provider step: the model does not predict what the provider did, it checks that what changed is a
// legal provider move and adopts it; the money invariants below hold it to the simulator's own ledger.

/** Where provider steps may take a payout (a settle may go two steps: completed, then returned). */
const PROVIDER_MOVES: Partial<Record<PayoutStatus, PayoutStatus[]>> = {
  processing: ['completed', 'failed', 'returned'],
  completed: ['returned'],
};
const ATTEMPT_MOVES: Record<ModelAttempt['status'], ModelAttempt['status'][]> = {
  queued: ['sent', 'succeeded', 'failed'],
  sent: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

/** The model after a provider step: what the tables show, when every change is one a provider may cause. */
export function absorbProviderStep(before: ModelState, snap: Snapshot): { state?: ModelState; problems: string[] } {
  const problems: string[] = [];
  const next = cloneState(before);
  for (const payout of next.payouts.values()) {
    const stored = snap.payouts.find((item) => item.payout_id === payout.id);
    if (!stored) continue; // differences() names it
    const status = stored.status as PayoutStatus;
    if (status !== payout.status) {
      if (!(PROVIDER_MOVES[payout.status] ?? []).includes(status))
        problems.push(`payout ${payout.id} moved ${payout.status} -> ${status} in a provider step`);
      payout.status = status;
      if (typeof stored.transaction_id === 'string') payout.tx = stored.transaction_id;
    }
    const attempts = (snap.attempts ?? [])
      .filter((item) => item.payout_id === payout.id)
      .sort((a, b) => Number(a.attempt) - Number(b.attempt));
    const known = payout.attempts ?? [];
    if (attempts.length !== known.length) {
      problems.push(`payout ${payout.id} has ${attempts.length} attempts after a provider step, had ${known.length}`);
      continue;
    }
    payout.attempts = attempts.map((item, index) => {
      const was = known[index] as ModelAttempt;
      const now = item.status as ModelAttempt['status'];
      if (now !== was.status && !ATTEMPT_MOVES[was.status].includes(now))
        problems.push(`payout ${payout.id} attempt ${index + 1} went ${was.status} -> ${now}`);
      const category = (item.error as { category?: ModelAttempt['category'] } | undefined)?.category;
      return { status: now, ...(category ? { category } : {}) };
    });
    if (payout.attempts.length === 0) delete payout.attempts;
  }
  problems.push(...differences(next, snap));
  return problems.length > 0 ? { problems } : { state: next, problems };
}

/** The money the simulator moved for one payout: gross (paid out) and reversed, in cents. */
function providerMoney(state: SimulatorState, payoutId: string) {
  let gross = 0;
  let reversed = 0;
  let successes = 0;
  for (const transfer of state.transfers) {
    if (transfer.metadata.payout_id !== payoutId) continue;
    successes += 1;
    gross += transfer.amount;
    reversed += transfer.amount_reversed;
  }
  for (const item of state.items) {
    if (item.payout_item.sender_item_id !== payoutId) continue;
    const status = item.transaction_status;
    if (!['SUCCESS', 'REVERSED', 'REFUNDED'].includes(status)) continue;
    const [units = '0', decimals = '0'] = item.payout_item.amount.value.split('.');
    const cents = Number(units) * 100 + Number(decimals.padEnd(2, '0'));
    successes += 1;
    gross += cents;
    if (status !== 'SUCCESS') reversed += cents;
  }
  return { gross, reversed, successes };
}

const movedByProvider = (payout: Item, to: PayoutStatus) =>
  ((payout.history ?? []) as { to: string; by: string }[]).some(
    (change) => change.to === to && change.by.startsWith('provider:'),
  );
const completedByProvider = (payout: Item) => movedByProvider(payout, 'completed');

/**
 * The rails' invariants, from the tables and the simulator's ledger, after every step:
 * - at most one transfer or payout item created per payout, at most one that succeeded;
 * - completed by the provider ⇔ exactly one succeeded attempt; never more than one succeeded attempt;
 * - no money moved for a payout that is pending, cancelled or failed, or completed by hand; never more than its
 *   amount; and once settled (nothing left in flight), per affiliate and in total: the money the provider moved =
 *   completed − returned (gross paid = everything the provider completed, reversed = everything returned).
 */
export function checkRails(
  snap: Snapshot,
  sim: SimulatorState,
  settled: boolean,
): { violations: string[]; checks: number } {
  const violations: string[] = [];
  let checks = 0;
  const expect = (ok: boolean, message: () => string) => {
    checks += 1;
    if (!ok) violations.push(message());
  };
  const perAffiliate = new Map<
    string,
    { moved: number; gross: number; reversed: number; completed: number; returned: number }
  >();
  for (const payout of snap.payouts) {
    const id = String(payout.payout_id);
    const amount = Number(payout.amount);
    const status = payout.status as PayoutStatus;
    const attempts = (snap.attempts ?? []).filter((item) => item.payout_id === id);
    const succeeded = attempts.filter((item) => item.status === 'succeeded').length;
    const money = providerMoney(sim, id);
    const created = sim.createdByPayout[id] ?? 0;
    expect(created <= 1, () => `payout ${id}: the provider created ${created} transfers/items`);
    expect(money.successes <= 1, () => `payout ${id}: ${money.successes} successful provider payments`);
    expect(succeeded <= 1, () => `payout ${id}: ${succeeded} succeeded attempts`);
    const byProvider = completedByProvider(payout);
    expect(
      byProvider === (succeeded === 1),
      () =>
        `payout ${id} is ${status} (${byProvider ? '' : 'not '}completed by the provider) with ${succeeded} succeeded attempts`,
    );
    expect(
      !byProvider || status === 'completed' || status === 'returned',
      () => `payout ${id} was completed by the provider but is ${status}`,
    );
    expect(money.gross <= amount, () => `payout ${id}: the provider paid ${money.gross} of ${amount} cents`);
    const mayHaveMoney = status === 'processing' || byProvider;
    expect(
      mayHaveMoney || money.gross === 0,
      () =>
        `payout ${id} is ${status}${status === 'completed' ? ' by hand' : ''} but the provider paid ${money.gross} cents`,
    );
    const owner = String(payout.affiliate_id);
    const sums = perAffiliate.get(owner) ?? { moved: 0, gross: 0, reversed: 0, completed: 0, returned: 0 };
    sums.moved += money.gross - money.reversed;
    sums.gross += money.gross;
    sums.reversed += money.reversed;
    if (byProvider) sums.completed += amount;
    // Only the provider returns a payout it paid (a move by hand answers 409 PROVIDER_PAID).
    expect(
      !byProvider || status !== 'returned' || movedByProvider(payout, 'returned'),
      () => `payout ${id} was paid by the provider but returned by hand`,
    );
    if (byProvider && status === 'returned') sums.returned += amount;
    perAffiliate.set(owner, sums);
  }
  if (settled) {
    const total = { moved: 0, completed: 0, returned: 0 };
    for (const [owner, sums] of perAffiliate) {
      expect(
        sums.moved === sums.completed - sums.returned &&
          sums.gross === sums.completed &&
          sums.reversed === sums.returned,
        () =>
          `${owner}: the provider moved ${sums.moved} (paid ${sums.gross}, reversed ${sums.reversed}), completed ${sums.completed} − returned ${sums.returned}`,
      );
      total.moved += sums.moved;
      total.completed += sums.completed;
      total.returned += sums.returned;
    }
    expect(
      total.moved === total.completed - total.returned,
      () => `in total the provider moved ${total.moved}, completed ${total.completed} − returned ${total.returned}`,
    );
    for (const attempt of snap.attempts ?? []) {
      const open = attempt.status === 'queued' || attempt.status === 'sent';
      const unclaimed = sim.items.some(
        (item) => item.payout_item.sender_item_id === attempt.payout_id && item.transaction_status === 'UNCLAIMED',
      );
      expect(
        !open || unclaimed,
        () => `attempt ${attempt.attempt} of ${attempt.payout_id} is still ${attempt.status} once everything settled`,
      );
    }
  }
  return { violations, checks };
}
