import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describeError } from '../../shared/logger.ts';
import type { ProviderRuntime } from '../../shared/providers/runtime.ts';
import { ProviderError, WebhookSignatureError, type VerifiedWebhook } from '../../shared/domain/payout-provider.ts';

/** Provider events are a few KB; anything far bigger is refused before it is parsed or verified. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

type Result = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const answer = (statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Result => ({
  statusCode,
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

/**
 * The provider-webhooks function (its own Function URL; no JWT: the signature is the authentication).
 * POST /webhooks/stripe and /webhooks/paypal. A bad or missing signature -> 400 and nothing written; a replayed
 * event -> 200 and no second effect; an unknown payout or a wrong amount -> 200, recorded for an operator; an
 * event that came before what it follows, or a store/provider outage -> 503 (the provider delivers it again).
 */
export function createWebhooksHandler({
  sync,
  logger,
  stripe,
  paypal,
}: Pick<ProviderRuntime, 'sync' | 'logger' | 'stripe' | 'paypal'>) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const path = event.rawPath ?? '';
    const provider = path === '/webhooks/stripe' ? 'stripe' : path === '/webhooks/paypal' ? 'paypal' : undefined;
    if (!provider) return answer(404, { success: false, code: 'ROUTE_NOT_FOUND', message: 'No such webhook.' });
    if (event.requestContext.http.method !== 'POST') {
      return answer(
        405,
        { success: false, code: 'METHOD_NOT_ALLOWED', message: 'Webhooks are POSTed.' },
        { Allow: 'POST' },
      );
    }
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (Buffer.byteLength(body, 'utf8') > MAX_WEBHOOK_BYTES) {
      return answer(413, {
        success: false,
        code: 'PAYLOAD_TOO_LARGE',
        message: `A webhook body must be at most ${MAX_WEBHOOK_BYTES} bytes.`,
      });
    }
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    try {
      let verified: VerifiedWebhook;
      if (provider === 'stripe') {
        if (!stripe)
          return answer(404, { success: false, code: 'PROVIDER_NOT_CONFIGURED', message: 'Stripe is not configured.' });
        verified = stripe.verifyWebhook(body, headers['stripe-signature']);
      } else {
        if (!paypal)
          return answer(404, { success: false, code: 'PROVIDER_NOT_CONFIGURED', message: 'PayPal is not configured.' });
        verified = await paypal.verifyWebhook(body, headers);
      }
      const outcome = await sync.webhook(verified, provider);
      logger.info('webhook', { provider, event_id: verified.eventId, event_type: verified.eventType, outcome });
      if (outcome === 'defer') {
        return answer(
          503,
          {
            success: false,
            code: 'RETRY_LATER',
            message: 'This event follows one not yet recorded; deliver it again later.',
          },
          { 'Retry-After': '5' },
        );
      }
      return answer(200, { success: true, outcome });
    } catch (error) {
      if (error instanceof WebhookSignatureError) {
        logger.warn('webhook refused: signature', { provider, reason: error.message });
        return answer(400, {
          success: false,
          code: 'INVALID_SIGNATURE',
          message: 'The webhook signature did not verify.',
        });
      }
      const transient = error instanceof ProviderError || (error as { statusCode?: number }).statusCode === 503;
      logger.error('webhook failed', { provider, ...describeError(error) });
      return answer(transient ? 503 : 500, {
        success: false,
        code: transient ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR',
        message: 'Not recorded; deliver it again.',
      });
    }
  };
}
