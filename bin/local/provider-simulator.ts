/**
 * A local Stripe + PayPal for `npm start` and the tests: the endpoints the providers adapters call, with
 * idempotency (Stripe's Idempotency-Key, PayPal's PayPal-Request-Id and sender_batch_id), signed webhooks sent to
 * a configured URL, and outcomes picked by recipient so every path can be seen:
 *   an account or e-mail containing `fail` fails, `unclaimed` stays unclaimed, `reverse` is reversed
 *   `reverseDelayMs` after success, `lowbalance` -> platform balance insufficient, `nocap` -> no transfers capability.
 * Test controls (in process, or POST /_sim/controls): time out after committing, answer 500 once, deliver webhooks
 * twice, late or out of order. GET /_sim/state shows what was created and delivered.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import Stripe from 'stripe';

export const SIM_STRIPE_KEY = 'sk_test_simulator';
export const SIM_STRIPE_WEBHOOK_SECRET = 'whsec_simulator_local_only';
export const SIM_PAYPAL_CLIENT_ID = 'sim-client-id';
export const SIM_PAYPAL_CLIENT_SECRET = 'sim-client-secret';
export const SIM_PAYPAL_WEBHOOK_ID = 'WH-SIMULATOR';
/** The key the simulator "signs" PayPal webhooks with (real PayPal signs with RSA; verification is its API either way). */
const PAYPAL_SIGNING_KEY = 'simulator-paypal-signing-key';

export interface SimulatorControls {
  /** The next N provider calls (transfers, payouts) commit, then never answer (the client times out). */
  timeoutAfterCommit: number;
  /** The next N provider calls answer 500 without doing anything. */
  fail500: number;
  /** Deliver every webhook twice. */
  duplicateWebhooks: boolean;
  /** Hold webhooks this long before delivering them. */
  webhookDelayMs: number;
  /** Hold webhooks and deliver them newest first once `reorderBatch` have gathered (or after 2 s). */
  reorderWebhooks: boolean;
  reorderBatch: number;
  /** Do not deliver webhooks at all (only polling can tell). */
  dropWebhooks: boolean;
  /** How long a PayPal item stays PENDING before its outcome. */
  settleDelayMs: number;
  /** How long after success a `reverse` recipient's payment is reversed. */
  reverseDelayMs: number;
  /** The next N creations (transfers, payouts) are refused: the platform's balance is too low (an error on our side). */
  insufficientFunds: number;
}

const DEFAULT_CONTROLS: SimulatorControls = {
  timeoutAfterCommit: 0,
  fail500: 0,
  duplicateWebhooks: false,
  webhookDelayMs: 0,
  reorderWebhooks: false,
  reorderBatch: 2,
  dropWebhooks: false,
  settleDelayMs: 300,
  reverseDelayMs: 3_000,
  insufficientFunds: 0,
};

interface Transfer {
  id: string;
  object: 'transfer';
  amount: number;
  amount_reversed: number;
  currency: string;
  destination: string;
  transfer_group: string | null;
  metadata: Record<string, string>;
  reversed: boolean;
  created: number;
}

interface PaypalItem {
  payout_item_id: string;
  payout_batch_id: string;
  transaction_id?: string;
  transaction_status: string;
  payout_item: {
    recipient_type: string;
    amount: { value: string; currency: string };
    receiver: string;
    sender_item_id: string;
  };
  errors?: { name: string; message: string };
}

interface Delivery {
  provider: 'stripe' | 'paypal';
  event_id: string;
  type: string;
  status: number | 'error';
  at: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Where webhooks go: `<webhookBase>/webhooks/stripe` and `/webhooks/paypal`. Set later with setWebhookBase. */
  webhookBase?: string;
  controls?: Partial<SimulatorControls>;
}

export interface ProviderSimulator {
  url: string;
  server: Server;
  controls: SimulatorControls;
  setWebhookBase(base: string): void;
  state(): SimulatorState;
  /** Signs and sends a raw webhook exactly as given (tests: forged, replayed, hostile). */
  stripeSignature(payload: string): string;
  paypalHeaders(payload: string): Record<string, string>;
  /** Waits until no webhook is pending delivery. */
  idle(timeoutMs?: number): Promise<void>;
  /** Waits until no outcome (a PayPal item settling, a reversal) is scheduled and no webhook is pending delivery. */
  quiet(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SimulatorState {
  transfers: Transfer[];
  items: PaypalItem[];
  /** Successful creations per payout id: the exactly-once proof. */
  createdByPayout: Record<string, number>;
  calls: Record<string, number>;
  tokenRequests: number;
  deliveries: Delivery[];
}

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const stripeError = (code: string, message: string, param?: string) => ({
  error: { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) },
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

/** Stripe's form encoding, the part the transfers call uses (`metadata[payout_id]=…`). */
function parseForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const nested = /^(\w+)\[(\w+)\]$/.exec(key);
    if (nested) {
      const parent = (out[nested[1]!] ??= {}) as Record<string, string>;
      parent[nested[2]!] = value;
    } else out[key] = value;
  }
  return out;
}

export async function startProviderSimulator(options: SimulatorOptions = {}): Promise<ProviderSimulator> {
  const controls: SimulatorControls = { ...DEFAULT_CONTROLS, ...options.controls };
  let webhookBase = options.webhookBase;
  const stripe = new Stripe(SIM_STRIPE_KEY);
  const transfers = new Map<string, Transfer>();
  const stripeKeys = new Map<string, { status: number; body: unknown }>();
  const batches = new Map<string, { batch_id: string; items: string[]; sender_batch_id: string }>();
  const senderBatchIds = new Map<string, string>();
  const paypalRequestIds = new Map<string, { status: number; body: unknown }>();
  const items = new Map<string, PaypalItem>();
  const tokens = new Set<string>();
  const createdByPayout: Record<string, number> = {};
  const calls: Record<string, number> = {};
  const deliveries: Delivery[] = [];
  let tokenRequests = 0;
  let pending = 0;
  /** Outcomes scheduled and not yet reached (settling items, reversals): what quiet() waits for. */
  let scheduled = 0;
  const outcome = (ms: number, run: () => void) => {
    scheduled += 1;
    later(ms, () => {
      scheduled -= 1;
      run();
    });
  };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  let held: { provider: 'stripe' | 'paypal'; id: string; type: string; payload: string }[] = [];

  const paypalHeaders = (payload: string): Record<string, string> => {
    const transmissionId = randomUUID();
    const time = new Date().toISOString();
    const signed = `${transmissionId}|${time}|${SIM_PAYPAL_WEBHOOK_ID}|${crc32(Buffer.from(payload))}`;
    return {
      'paypal-auth-algo': 'SHA256withRSA',
      'paypal-cert-url': 'https://api.paypal.com/v1/notifications/certs/CERT-SIMULATOR',
      'paypal-transmission-id': transmissionId,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': createHmac('sha256', PAYPAL_SIGNING_KEY).update(signed).digest('base64'),
    };
  };
  const stripeSignature = (payload: string) =>
    stripe.webhooks.generateTestHeaderString({ payload, secret: SIM_STRIPE_WEBHOOK_SECRET });

  async function deliverNow(
    event: { provider: 'stripe' | 'paypal'; id: string; type: string; payload: string },
    tries = 1,
  ): Promise<void> {
    if (!webhookBase) return;
    pending += 1;
    let status: number | 'error' = 'error';
    try {
      const headers =
        event.provider === 'stripe'
          ? { 'stripe-signature': stripeSignature(event.payload) }
          : paypalHeaders(event.payload);
      const response = await fetch(`${webhookBase}/webhooks/${event.provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: event.payload,
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 'error';
    } finally {
      deliveries.push({ provider: event.provider, event_id: event.id, type: event.type, status, at: Date.now() });
      pending -= 1;
    }
    // Providers redeliver on anything but a 2xx (Stripe for days; here a few times, quickly).
    if ((status === 'error' || status >= 300) && tries < 6) {
      pending += 1;
      later(200 * 2 ** tries, () => {
        pending -= 1;
        void deliverNow(event, tries + 1);
      });
    }
  }

  function emit(provider: 'stripe' | 'paypal', type: string, body: Record<string, unknown>): void {
    const id = provider === 'stripe' ? `evt_${randomUUID().replaceAll('-', '').slice(0, 24)}` : `WH-${randomUUID()}`;
    const event =
      provider === 'stripe'
        ? {
            id,
            object: 'event',
            api_version: '2025-01-01',
            created: Math.floor(Date.now() / 1000),
            type,
            data: { object: body },
            livemode: false,
          }
        : {
            id,
            event_version: '1.0',
            create_time: new Date().toISOString(),
            resource_type: 'payouts_item',
            event_type: type,
            summary: type,
            resource: body,
          };
    const entry = { provider, id, type, payload: JSON.stringify(event) };
    if (controls.dropWebhooks || !webhookBase) return;
    const copies = controls.duplicateWebhooks ? 2 : 1;
    if (controls.reorderWebhooks) {
      held.push(entry);
      const flush = () => {
        const batch = held.reverse();
        held = [];
        for (const one of batch) for (let copy = 0; copy < copies; copy += 1) void deliverNow(one);
      };
      if (held.length >= controls.reorderBatch) flush();
      else later(2_000, () => held.length > 0 && flush());
      return;
    }
    for (let copy = 0; copy < copies; copy += 1) {
      if (controls.webhookDelayMs > 0) {
        pending += 1;
        later(controls.webhookDelayMs, () => {
          pending -= 1;
          void deliverNow(entry);
        });
      } else void deliverNow(entry);
    }
  }

  const takeInsufficientFunds = () => {
    if (controls.insufficientFunds <= 0) return false;
    controls.insufficientFunds -= 1;
    return true;
  };

  /** Runs a provider call under the test controls: 500 before doing anything, or commit and never answer. */
  async function guarded(
    response: ServerResponse,
    run: () => Promise<{ status: number; body: unknown }> | { status: number; body: unknown },
  ) {
    if (controls.fail500 > 0) {
      controls.fail500 -= 1;
      return json(response, 500, {
        error: { type: 'api_error', message: 'simulated 500' },
        name: 'INTERNAL_SERVER_ERROR',
        message: 'simulated 500',
      });
    }
    const result = await run();
    if (controls.timeoutAfterCommit > 0 && result.status < 300) {
      controls.timeoutAfterCommit -= 1;
      // Committed; the answer is lost. The socket is dropped once the client has given up.
      later(30_000, () => response.destroy());
      return;
    }
    json(response, result.status, result.body);
  }

  function createTransfer(form: Record<string, unknown>): { status: number; body: unknown } {
    const destination = String(form.destination ?? '');
    const amount = Number(form.amount);
    if (!Number.isSafeInteger(amount) || amount <= 0)
      return { status: 400, body: stripeError('parameter_invalid_integer', 'Invalid amount', 'amount') };
    if (!/^acct_/.test(destination) || destination.includes('fail')) {
      return {
        status: 400,
        body: stripeError('account_invalid', `No such destination: '${destination}'`, 'destination'),
      };
    }
    if (destination.includes('nocap')) {
      return {
        status: 400,
        body: stripeError(
          'insufficient_capabilities_for_transfer',
          'The destination account needs the transfers capability.',
          'destination',
        ),
      };
    }
    if (destination.includes('lowbalance') || takeInsufficientFunds()) {
      return {
        status: 400,
        body: stripeError('balance_insufficient', 'You have insufficient available funds in your Stripe account.'),
      };
    }
    const metadata = (form.metadata ?? {}) as Record<string, string>;
    const transfer: Transfer = {
      id: `tr_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      object: 'transfer',
      amount,
      amount_reversed: 0,
      currency: String(form.currency ?? 'usd'),
      destination,
      transfer_group: typeof form.transfer_group === 'string' ? form.transfer_group : null,
      metadata,
      reversed: false,
      created: Math.floor(Date.now() / 1000),
    };
    transfers.set(transfer.id, transfer);
    if (metadata.payout_id) createdByPayout[metadata.payout_id] = (createdByPayout[metadata.payout_id] ?? 0) + 1;
    emit('stripe', 'transfer.created', { ...transfer });
    if (destination.includes('reverse')) {
      outcome(controls.reverseDelayMs, () => {
        transfer.amount_reversed = transfer.amount;
        transfer.reversed = true;
        emit('stripe', 'transfer.reversed', { ...transfer });
      });
    }
    return { status: 200, body: transfer };
  }

  function settleItem(item: PaypalItem): void {
    const receiver = item.payout_item.receiver;
    const finish = (status: string, type: string) => {
      item.transaction_status = status;
      if (status === 'SUCCESS')
        item.transaction_id = `PPTX${randomUUID().replaceAll('-', '').slice(0, 13).toUpperCase()}`;
      emit('paypal', type, { ...item });
    };
    outcome(controls.settleDelayMs, () => {
      if (receiver.includes('fail')) {
        item.errors = { name: 'RECEIVER_UNREGISTERED', message: 'Receiver is unregistered' };
        return finish('FAILED', 'PAYMENT.PAYOUTS-ITEM.FAILED');
      }
      if (receiver.includes('unclaimed')) return finish('UNCLAIMED', 'PAYMENT.PAYOUTS-ITEM.UNCLAIMED');
      finish('SUCCESS', 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED');
      if (receiver.includes('reverse'))
        outcome(controls.reverseDelayMs, () => finish('REVERSED', 'PAYMENT.PAYOUTS-ITEM.REVERSED'));
    });
  }

  function createBatch(body: Record<string, unknown>): { status: number; body: unknown } {
    const header = (body.sender_batch_header ?? {}) as Record<string, unknown>;
    const senderBatchId = typeof header.sender_batch_id === 'string' ? header.sender_batch_id : '';
    const list = Array.isArray(body.items) ? (body.items as Record<string, unknown>[]) : [];
    if (!senderBatchId || list.length !== 1)
      return { status: 400, body: { name: 'VALIDATION_ERROR', message: 'Invalid request - see details' } };
    if (senderBatchIds.has(senderBatchId)) {
      return {
        status: 400,
        body: {
          name: 'USER_BUSINESS_ERROR',
          message: 'Batch with given sender_batch_id already exists',
          details: [{ issue: 'SENDER_BATCH_ID_ALREADY_USED' }],
        },
      };
    }
    const input = list[0]!;
    const amount = (input.amount ?? {}) as { value?: string; currency?: string };
    const receiver = String(input.receiver ?? '');
    if (!/^\d+\.\d{2}$/.test(amount.value ?? '') || amount.currency !== 'USD') {
      return { status: 400, body: { name: 'VALIDATION_ERROR', message: 'Invalid amount' } };
    }
    if (receiver.includes('lowbalance') || takeInsufficientFunds())
      return { status: 422, body: { name: 'INSUFFICIENT_FUNDS', message: 'Sender does not have sufficient funds.' } };
    const batchId = `BATCH${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;
    const item: PaypalItem = {
      payout_item_id: `ITEM${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`,
      payout_batch_id: batchId,
      transaction_status: 'PENDING',
      payout_item: {
        recipient_type: String(input.recipient_type ?? 'EMAIL'),
        amount: { value: amount.value!, currency: 'USD' },
        receiver,
        sender_item_id: String(input.sender_item_id ?? ''),
      },
    };
    senderBatchIds.set(senderBatchId, batchId);
    batches.set(batchId, { batch_id: batchId, items: [item.payout_item_id], sender_batch_id: senderBatchId });
    items.set(item.payout_item_id, item);
    const payoutId = item.payout_item.sender_item_id;
    if (payoutId) createdByPayout[payoutId] = (createdByPayout[payoutId] ?? 0) + 1;
    settleItem(item);
    return {
      status: 201,
      body: { batch_header: { payout_batch_id: batchId, batch_status: 'PENDING', sender_batch_header: header } },
    };
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://sim');
    const route = `${request.method} ${url.pathname.replace(/\/(tr_|BATCH|ITEM)[A-Za-z0-9_]+$/, '/:id')}`;
    calls[route] = (calls[route] ?? 0) + 1;
    const body = await readBody(request);
    const auth = request.headers.authorization ?? '';
    try {
      // --- test controls
      if (url.pathname === '/_sim/state') return json(response, 200, state());
      if (url.pathname === '/_sim/controls' && request.method === 'POST') {
        Object.assign(controls, JSON.parse(body || '{}'));
        return json(response, 200, controls);
      }
      // --- Stripe
      if (url.pathname.startsWith('/v1/transfers')) {
        if (auth !== `Bearer ${SIM_STRIPE_KEY}`) {
          return json(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
        }
        if (request.method === 'POST' && url.pathname === '/v1/transfers') {
          const key = request.headers['idempotency-key'];
          const known = typeof key === 'string' ? stripeKeys.get(key) : undefined;
          if (known) return json(response, known.status, known.body, { 'idempotent-replayed': 'true' });
          return guarded(response, () => {
            const result = createTransfer(parseForm(body));
            if (typeof key === 'string') stripeKeys.set(key, result);
            return result;
          });
        }
        const id = /^\/v1\/transfers\/([^/]+)$/.exec(url.pathname)?.[1];
        const transfer = id ? transfers.get(id) : undefined;
        if (request.method === 'GET' && transfer) return json(response, 200, transfer);
        return json(response, 404, stripeError('resource_missing', `No such transfer: '${id}'`, 'id'));
      }
      // --- PayPal
      if (url.pathname === '/v1/oauth2/token' && request.method === 'POST') {
        tokenRequests += 1;
        const expected = `Basic ${Buffer.from(`${SIM_PAYPAL_CLIENT_ID}:${SIM_PAYPAL_CLIENT_SECRET}`).toString('base64')}`;
        if (auth !== expected || !body.includes('grant_type=client_credentials')) {
          return json(response, 401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
        }
        const token = `A21AA${randomUUID().replaceAll('-', '')}`;
        tokens.add(token);
        return json(response, 200, {
          scope: 'https://uri.paypal.com/services/payments/payouts',
          access_token: token,
          token_type: 'Bearer',
          expires_in: 32_400,
        });
      }
      if (url.pathname.startsWith('/v1/payments/') || url.pathname.startsWith('/v1/notifications/')) {
        if (!tokens.has(auth.replace(/^Bearer /, ''))) {
          return json(response, 401, {
            name: 'AUTHENTICATION_FAILURE',
            message:
              'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
          });
        }
        if (request.method === 'POST' && url.pathname === '/v1/payments/payouts') {
          const requestId = request.headers['paypal-request-id'];
          const known = typeof requestId === 'string' ? paypalRequestIds.get(requestId) : undefined;
          if (known) return json(response, known.status, known.body);
          return guarded(response, () => {
            const result = createBatch(JSON.parse(body || '{}') as Record<string, unknown>);
            if (typeof requestId === 'string' && result.status < 300) paypalRequestIds.set(requestId, result);
            return result;
          });
        }
        const batchId = /^\/v1\/payments\/payouts\/([^/]+)$/.exec(url.pathname)?.[1];
        if (request.method === 'GET' && batchId) {
          const batch = batches.get(batchId);
          if (!batch)
            return json(response, 404, { name: 'RESOURCE_NOT_FOUND', message: 'The requested resource was not found' });
          return json(response, 200, {
            batch_header: {
              payout_batch_id: batch.batch_id,
              batch_status: 'SUCCESS',
              sender_batch_header: { sender_batch_id: batch.sender_batch_id },
            },
            items: batch.items.map((id) => items.get(id)),
          });
        }
        const itemId = /^\/v1\/payments\/payouts-item\/([^/]+)$/.exec(url.pathname)?.[1];
        if (request.method === 'GET' && itemId) {
          const item = items.get(itemId);
          if (!item)
            return json(response, 404, { name: 'RESOURCE_NOT_FOUND', message: 'The requested resource was not found' });
          return json(response, 200, item);
        }
        if (request.method === 'POST' && url.pathname === '/v1/notifications/verify-webhook-signature') {
          const input = JSON.parse(body || '{}') as Record<string, unknown>;
          const payload = JSON.stringify(input.webhook_event);
          const signed = `${String(input.transmission_id)}|${String(input.transmission_time)}|${String(input.webhook_id)}|${crc32(Buffer.from(payload))}`;
          const expected = createHmac('sha256', PAYPAL_SIGNING_KEY).update(signed).digest('base64');
          const fresh = Math.abs(Date.now() - Date.parse(String(input.transmission_time))) < 300_000;
          const ok = input.webhook_id === SIM_PAYPAL_WEBHOOK_ID && input.transmission_sig === expected && fresh;
          return json(response, 200, { verification_status: ok ? 'SUCCESS' : 'FAILURE' });
        }
      }
      json(response, 404, { name: 'NOT_FOUND', message: `simulator: no route ${request.method} ${url.pathname}` });
    } catch (error) {
      json(response, 400, { name: 'MALFORMED_REQUEST', message: (error as Error).message });
    }
  });

  function state(): SimulatorState {
    return {
      transfers: [...transfers.values()],
      items: [...items.values()],
      createdByPayout: { ...createdByPayout },
      calls: { ...calls },
      tokenRequests,
      deliveries: [...deliveries],
    };
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    controls,
    setWebhookBase: (base) => (webhookBase = base),
    state,
    stripeSignature,
    paypalHeaders,
    idle: async (timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while ((pending > 0 || held.length > 0) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 25));
    },
    quiet: async (timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while ((scheduled > 0 || pending > 0 || held.length > 0) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 5));
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
