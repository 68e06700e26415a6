import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { balance, history, payout, processPayout, request, summary, type Floor } from './calls.ts';

/**
 * Dispatches a Function URL event to the floor's calls. The caller is named by an `x-bench-user` header: the
 * floor verifies no token, validates nothing and logs nothing (all of that is the product's overhead).
 */
export async function floorRoute(floor: Floor, event: APIGatewayProxyEventV2) {
  const user = event.headers['x-bench-user'] ?? '';
  const path = event.rawPath;
  const body = event.body ? (JSON.parse(event.body) as Record<string, unknown>) : {};
  let data: unknown;
  let match: RegExpExecArray | null;
  if (path === '/payouts/balance') data = await balance(floor, user);
  else if (path === '/payouts/summary') data = await summary(floor, user);
  else if (path === '/payouts/request')
    data = await request(floor, user, Number(body.amount), event.headers['idempotency-key'] ?? '');
  else if (path === '/payouts') data = await history(floor, user);
  else if ((match = /^\/admin\/payouts\/([^/]+)\/process$/.exec(path))) {
    data = await processPayout(floor, user, match[1] ?? '', String(body.transaction_id));
  } else if ((match = /^\/payouts\/([^/]+)$/.exec(path))) data = await payout(floor, user, match[1] ?? '');
  else return { statusCode: 404, headers: {}, body: '{}' };
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ success: true, data }),
  };
}
