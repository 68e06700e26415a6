/**
 * PayPal Payouts over plain fetch (PayPal's server SDK has no Payouts API): OAuth2 client credentials with the
 * token cached until shortly before it expires, one batch of one EMAIL item per attempt, webhook verification
 * through PayPal's verify-webhook-signature endpoint.
 */
import { centsToDecimal, type Attempt } from '../domain/attempt.ts';
import {
  observePaypalEvent,
  observePaypalItem,
  type PaypalEventLike,
  type ProviderObservation,
} from '../domain/provider-events.ts';
import {
  ProviderError,
  WebhookSignatureError,
  type PayoutProvider,
  type SendResult,
  type VerifiedWebhook,
} from '../domain/payout-provider.ts';

export interface PaypalSettings {
  clientId: string;
  clientSecret: string;
  /** https://api-m.paypal.com, https://api-m.sandbox.paypal.com, or a local fake. */
  apiBase: string;
  webhookId?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Batch-level error names that are the recipient's problem. */
const RECIPIENT_ERRORS = new Set([
  'RECEIVER_UNREGISTERED',
  'RECEIVER_ACCOUNT_LOCKED',
  'RECEIVER_ACCOUNT_INVALID',
  'RECEIVER_COUNTRY_NOT_ALLOWED',
]);
/** The refusal of a reused sender_batch_id: an earlier call with this attempt's key got through. */
export const DUPLICATE_BATCH = 'DUPLICATE_BATCH';

const WEBHOOK_HEADERS = [
  'paypal-auth-algo',
  'paypal-cert-url',
  'paypal-transmission-id',
  'paypal-transmission-sig',
  'paypal-transmission-time',
] as const;

export class PaypalProvider implements PayoutProvider {
  readonly name = 'paypal' as const;
  private token: { value: string; expiresAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  /** How many OAuth token requests this instance made (the cache's proof). */
  tokenRequests = 0;

  constructor(private readonly settings: PaypalSettings) {
    this.fetch = settings.fetch ?? fetch;
    this.now = settings.now ?? Date.now;
  }

  async send(attempt: Attempt): Promise<SendResult> {
    const body = {
      sender_batch_header: {
        sender_batch_id: attempt.idempotency_key,
        email_subject: 'You have a payout',
      },
      items: [
        {
          recipient_type: 'EMAIL',
          receiver: attempt.destination,
          amount: { value: centsToDecimal(attempt.amount), currency: 'USD' },
          sender_item_id: attempt.payout_id,
          note: 'Affiliate payout',
        },
      ],
    };
    // PayPal-Request-Id makes a retry of this very call answer with the first result.
    const response = await this.call('POST', '/v1/payments/payouts', body, {
      'PayPal-Request-Id': attempt.idempotency_key,
    });
    if (response.status !== 201 && response.status !== 200) throw errorOf(response.status, response.json);
    const header = (response.json.batch_header ?? {}) as Record<string, unknown>;
    const batchId = typeof header.payout_batch_id === 'string' ? header.payout_batch_id : undefined;
    if (!batchId)
      throw new ProviderError('paypal', 'transient', 'MALFORMED_RESPONSE', 'PayPal answered without a payout_batch_id');
    let itemId: string | undefined;
    try {
      itemId = await this.itemIdOf(batchId);
    } catch {
      // The batch exists; the sweeper finds its item later.
    }
    return { kind: 'accepted', reference: batchId, ...(itemId ? { item_id: itemId } : {}) };
  }

  async poll(attempt: Attempt): Promise<ProviderObservation | undefined> {
    const itemId =
      attempt.provider_item_id ??
      (attempt.provider_reference ? await this.itemIdOf(attempt.provider_reference) : undefined);
    if (!itemId) return undefined;
    const response = await this.call('GET', `/v1/payments/payouts-item/${encodeURIComponent(itemId)}`);
    if (response.status !== 200) throw errorOf(response.status, response.json);
    return observePaypalItem(response.json);
  }

  /**
   * Asks PayPal whether the webhook is genuine (POST /v1/notifications/verify-webhook-signature with our
   * PAYPAL_WEBHOOK_ID). Missing headers or a FAILURE -> WebhookSignatureError; PayPal unreachable -> ProviderError.
   */
  async verifyWebhook(rawBody: string, headers: Record<string, string | undefined>): Promise<VerifiedWebhook> {
    if (!this.settings.webhookId) throw new WebhookSignatureError('PAYPAL_WEBHOOK_ID is not configured');
    for (const name of WEBHOOK_HEADERS) if (!headers[name]) throw new WebhookSignatureError(`missing ${name}`);
    let event: PaypalEventLike;
    try {
      event = JSON.parse(rawBody) as PaypalEventLike;
    } catch {
      throw new WebhookSignatureError('the body is not JSON');
    }
    if (
      typeof event !== 'object' ||
      event === null ||
      typeof event.id !== 'string' ||
      typeof event.event_type !== 'string'
    ) {
      throw new WebhookSignatureError('not a PayPal event');
    }
    const response = await this.call('POST', '/v1/notifications/verify-webhook-signature', {
      auth_algo: headers['paypal-auth-algo'],
      cert_url: headers['paypal-cert-url'],
      transmission_id: headers['paypal-transmission-id'],
      transmission_sig: headers['paypal-transmission-sig'],
      transmission_time: headers['paypal-transmission-time'],
      webhook_id: this.settings.webhookId,
      webhook_event: event,
    });
    if (response.status !== 200) {
      if (response.status >= 500 || response.status === 429) throw errorOf(response.status, response.json);
      throw new WebhookSignatureError(`verification refused (${response.status})`);
    }
    if (response.json.verification_status !== 'SUCCESS') throw new WebhookSignatureError('signature did not verify');
    return { eventId: event.id, eventType: event.event_type, observation: observePaypalEvent(event) };
  }

  private async itemIdOf(batchId: string): Promise<string | undefined> {
    const response = await this.call('GET', `/v1/payments/payouts/${encodeURIComponent(batchId)}`);
    if (response.status !== 200) throw errorOf(response.status, response.json);
    const items = response.json.items;
    const first = Array.isArray(items) ? (items[0] as Record<string, unknown> | undefined) : undefined;
    return typeof first?.payout_item_id === 'string' ? first.payout_item_id : undefined;
  }

  /** The cached access token, or a new one (one request at a time, shared by concurrent callers). */
  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now()) return this.token.value;
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = undefined));
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    this.tokenRequests += 1;
    const basic = Buffer.from(`${this.settings.clientId}:${this.settings.clientSecret}`).toString('base64');
    const response = await this.raw(`${this.settings.apiBase}/v1/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    if (response.status === 401 || response.status === 403) {
      throw new ProviderError('paypal', 'ours', 'AUTHENTICATION_FAILURE', 'PayPal refused the client id/secret');
    }
    if (response.status !== 200 || typeof response.json.access_token !== 'string')
      throw errorOf(response.status, response.json);
    const lifetime = typeof response.json.expires_in === 'number' ? response.json.expires_in : 300;
    // Renew a minute early so a token never expires in flight.
    this.token = { value: response.json.access_token, expiresAt: this.now() + Math.max(0, lifetime - 60) * 1000 };
    return this.token.value;
  }

  private async call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const token = await this.accessToken();
    const response = await this.raw(`${this.settings.apiBase}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...extra,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401) this.token = undefined;
    return response;
  }

  private async raw(url: string, init: RequestInit): Promise<{ status: number; json: Record<string, unknown> }> {
    let response: Response;
    try {
      response = await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000) });
    } catch (error) {
      throw new ProviderError(
        'paypal',
        'transient',
        'CONNECTION_ERROR',
        `PayPal unreachable: ${(error as Error).message}`,
        { cause: error },
      );
    }
    let json: Record<string, unknown> = {};
    try {
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
    } catch {
      // A non-JSON body: the status decides.
    }
    return { status: response.status, json };
  }
}

/** A PayPal error answer as a categorized ProviderError. */
export function errorOf(status: number, json: Record<string, unknown>): ProviderError {
  const name = typeof json.name === 'string' ? json.name : `HTTP_${status}`;
  const message = typeof json.message === 'string' ? json.message : `PayPal answered ${status}`;
  const details = Array.isArray(json.details) ? (json.details as { issue?: string }[]) : [];
  if (status === 429 || status >= 500) return new ProviderError('paypal', 'transient', name, message);
  if (status === 401 || status === 403) return new ProviderError('paypal', 'ours', 'AUTHENTICATION_FAILURE', message);
  if (details.some((detail) => detail.issue === 'SENDER_BATCH_ID_ALREADY_USED') || /sender_batch_id/i.test(message)) {
    return new ProviderError(
      'paypal',
      'ours',
      DUPLICATE_BATCH,
      "PayPal already has a batch with this attempt's sender_batch_id: the first call went through",
    );
  }
  if (RECIPIENT_ERRORS.has(name)) return new ProviderError('paypal', 'recipient', name, message);
  return new ProviderError('paypal', 'ours', name, message);
}
