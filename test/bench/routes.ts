/**
 * The bench's data and the requests it sends: who calls, with which token, on which payouts. One affiliate per
 * role so the parts never disturb each other's figures.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { functionUrlEvent, lambdaContext } from '../support/http.ts';
import { AMOUNT, benchAffiliate, preloadPayouts, seed, tokenFor, type BenchDb } from './env.ts';

export type RouteName = 'request' | 'balance' | 'summary' | 'history' | 'get' | 'cancel' | 'process';
export type Side = 'ours' | 'floor';
export type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface Actor {
  user: string;
  affiliateId: string;
  token: string;
}

export interface Fixtures {
  /** An affiliate with a typical history (READER_PAYOUTS past payouts) for the read routes. */
  reader: Actor & { payoutId: string };
  /** Request routes: one affiliate for the product, one for the floor, so their counters never interleave. */
  writer: Record<Side, Actor>;
  /** Pending payouts to cancel (product only) and to move as an admin (product and floor). */
  cancellable: string[];
  movable: string[];
  canceller: Actor;
  admin: { user: string; token: string };
}

export const READER_PAYOUTS = 50;

async function actor(db: BenchDb, id: string, past = 0): Promise<Actor & { payoutIds: string[] }> {
  const affiliate = benchAffiliate(id);
  const payoutIds = past > 0 ? (await preloadPayouts(db, affiliate, past)).map((payout) => payout.payout_id) : [];
  if (past === 0) await seed(db, [affiliate]);
  return {
    user: affiliate.user_id,
    affiliateId: affiliate.affiliate_id,
    token: await tokenFor(affiliate.user_id),
    payoutIds,
  };
}

export async function prepareFixtures(
  db: BenchDb,
  { movable, cancellable }: { movable: number; cancellable: number },
): Promise<Fixtures> {
  const reader = await actor(db, 'reader', READER_PAYOUTS);
  const canceller = await actor(db, 'canceller');
  const cancelled = await preloadPayouts(db, benchAffiliate('canceller'), cancellable, () => 'pending');
  const moved = await preloadPayouts(db, benchAffiliate('payee'), movable, () => 'pending');
  return {
    reader: { ...reader, payoutId: reader.payoutIds[0] ?? '' },
    writer: { ours: await actor(db, 'writer'), floor: await actor(db, 'writer-floor') },
    canceller,
    cancellable: cancelled.map((payout) => payout.payout_id),
    movable: moved.map((payout) => payout.payout_id),
    admin: { user: 'admin-bench', token: await tokenFor('admin-bench', 'admin') },
  };
}

function take(pool: string[], what: string): string {
  const id = pool.shift();
  if (!id) throw new Error(`The bench ran out of ${what}; raise the pool size in prepareFixtures.`);
  return id;
}

const as = (who: { user: string; token: string }, headers: Record<string, string> = {}) => ({
  authorization: `Bearer ${who.token}`,
  'x-bench-user': who.user,
  ...headers,
});

/** A fresh Function URL event for a route (a new Idempotency-Key, the next pending payout…). */
export function eventFor(fx: Fixtures, route: RouteName, side: Side = 'ours', who?: Actor): APIGatewayProxyEventV2 {
  const reader = who ?? fx.reader;
  switch (route) {
    case 'request':
      return functionUrlEvent({
        method: 'POST',
        path: '/payouts/request',
        headers: as(who ?? fx.writer[side], { 'idempotency-key': randomUUID() }),
        body: { amount: AMOUNT },
      });
    case 'balance':
      return functionUrlEvent({ path: '/payouts/balance', headers: as(reader) });
    case 'summary':
      return functionUrlEvent({ path: '/payouts/summary', headers: as(reader) });
    case 'history':
      return functionUrlEvent({ path: '/payouts', headers: as(reader) });
    case 'get':
      return functionUrlEvent({ path: `/payouts/${fx.reader.payoutId}`, headers: as(fx.reader) });
    case 'cancel':
      return functionUrlEvent({
        method: 'POST',
        path: `/payouts/${take(fx.cancellable, 'cancellable payouts')}/cancel`,
        headers: as(fx.canceller),
      });
    case 'process':
      return functionUrlEvent({
        method: 'POST',
        path: `/admin/payouts/${take(fx.movable, 'pending payouts to move')}/process`,
        headers: as(fx.admin),
        body: { status: 'completed', transaction_id: `PAYPAL-${randomUUID().slice(0, 8)}` },
      });
  }
}

/** Invokes a handler and fails loudly on an answer that is not a success: a bench of errors measures nothing. */
export async function invokeOk(handler: Handler, event: APIGatewayProxyEventV2): Promise<number> {
  const response = await handler(event, lambdaContext());
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    throw new Error(
      `${event.requestContext.http.method} ${event.rawPath} answered ${status}: ${String(response.body).slice(0, 300)}`,
    );
  }
  return status;
}
