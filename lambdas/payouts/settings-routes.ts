import { ok } from '../../shared/http/respond.ts';
import { route, type Route } from '../../shared/http/router.ts';
import { settingsBody } from '../../shared/schemas/settings.ts';
import { getSettings, updateSettings } from '../../shared/usecases/payout-settings.ts';
import type { Services } from '../../shared/usecases/services.ts';

/** Payout settings (issue 13): where money goes, the automatic schedule, and the cool-down a change starts. */
export function settingsRoutes(services: Services, maxPayoutCents: number): Route[] {
  return [
    route({
      method: 'GET',
      path: '/payouts/settings',
      access: 'affiliate',
      summary: 'Your payout settings: method, e-mail, Stripe account, schedule, auto_minimum and any cool-down.',
      handle: async ({ principal }) => ok(200, 'Success', await getSettings(services, principal.userId)),
    }),
    route({
      method: 'PUT',
      path: '/payouts/settings',
      access: 'affiliate',
      summary:
        'Change your payout settings; a new destination (method, e-mail, Stripe account) starts a cool-down on payouts.',
      body: settingsBody(maxPayoutCents),
      handle: async ({ body, principal }) =>
        ok(200, 'Payout settings saved', await updateSettings(services, principal.userId, body)),
    }),
  ];
}
