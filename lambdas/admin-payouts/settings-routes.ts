import { NotFoundError } from '../../shared/domain/errors.ts';
import { ok } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import type { Logger } from '../../shared/logger.ts';
import { affiliateIdParams, emptyBody } from '../../shared/schemas/common.ts';
import { scheduleRunBody } from '../../shared/schemas/settings.ts';
import { clearCooldown, clearDuplicateDestination } from '../../shared/usecases/payout-settings.ts';
import { runSchedules } from '../../shared/usecases/run-schedules.ts';
import type { Services } from '../../shared/usecases/services.ts';

const oneAffiliate = {
  schema: affiliateIdParams,
  notFound: () => new NotFoundError('AFFILIATE_NOT_FOUND', 'No affiliate with this id was found.'),
};

/**
 * Issue 13 on the admin side: end a cool-down early, clear a reviewed shared-destination flag, and run the payout
 * schedules now (as if at a moment).
 */
export function adminSettingsRoutes(services: Services): Route[] {
  return [
    route({
      method: 'POST',
      path: '/admin/affiliates/{affiliate_id}/cooldown/clear',
      access: 'admin',
      summary: "End an affiliate's payout destination cool-down now.",
      params: oneAffiliate,
      body: emptyBody,
      handle: async ({ params, principal }) =>
        ok(200, 'Cool-down cleared', await clearCooldown(services, principal.userId, params.affiliate_id)),
    }),
    route({
      method: 'POST',
      path: '/admin/affiliates/{affiliate_id}/duplicate-destination/clear',
      access: 'admin',
      summary: "Clear an affiliate's shared-destination flag after review.",
      params: oneAffiliate,
      body: emptyBody,
      handle: async ({ params, principal }) =>
        ok(
          200,
          'Shared-destination flag cleared',
          await clearDuplicateDestination(services, principal.userId, params.affiliate_id),
        ),
    }),
    route({
      method: 'POST',
      path: '/admin/schedules/run',
      access: 'admin',
      summary:
        'Run the automatic payout schedules now, optionally as if at `at`: considered, requested, skipped by reason.',
      body: scheduleRunBody,
      handle: async ({ body, logger }) => {
        const at = body.at === undefined ? services.clock.now() : new Date(body.at);
        return ok(200, 'Schedules run', await runSchedules(services, at, { logger: logger as Logger }));
      },
    }),
  ];
}
