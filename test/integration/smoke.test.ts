import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affiliate, payoutsApp, tokenFor } from '../support/app.ts';
import { invoke } from '../support/http.ts';

describe('smoke', () => {
  let app: Awaited<ReturnType<typeof payoutsApp>>;
  beforeAll(async () => {
    app = await payoutsApp([affiliate('a')]);
  });
  afterAll(() => app.db.drop());
  it('requests', async () => {
    const token = await tokenFor('user-a');
    const res = await invoke(app.handler, { method: 'POST', path: '/payouts/request', token, body: { amount: 5000 } });
    expect(res.status).toBe(201);
  });
});
