/** The functions under test, built in-process from a runtime (as the handler modules build them at cold start). */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPayoutsHandler } from '../../lambdas/payouts/app.ts';
import type { Dependencies } from '../../shared/dependencies.ts';
import { exists, ROOT } from './build.ts';
import type { Handler } from './routes.ts';

export const ADMIN_APP = 'lambdas/admin-payouts/app.ts';

export type HandlerFactory = (runtime: Dependencies) => Handler;

export const payoutsFactory: HandlerFactory = (runtime) => createPayoutsHandler(runtime) as Handler;

/**
 * The admin function's factory, once lambdas/admin-payouts/app.ts exists; loaded by path so the bench also runs
 * (and typechecks) before that function lands. Undefined until then: its rows are reported as not built.
 */
export async function loadAdminFactory(): Promise<HandlerFactory | undefined> {
  if (!exists(ADMIN_APP)) return undefined;
  const module = (await import(pathToFileURL(join(ROOT, ADMIN_APP)).href)) as {
    createAdminPayoutsHandler?: HandlerFactory;
  };
  return module.createAdminPayoutsHandler;
}
