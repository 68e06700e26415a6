import type { Dependencies } from '../../shared/dependencies.ts';
import { runSchedules } from '../../shared/usecases/run-schedules.ts';
import { createServices } from '../../shared/usecases/services.ts';
import type { ScheduleRunView } from '../../shared/schemas/settings.ts';

/** What EventBridge Scheduler sends: `at` = the schedule's own time (<aws.scheduler.scheduled-time>), so a retry keeps its period. */
export interface SchedulerEvent {
  at?: string;
}

/**
 * The payout-scheduler function: one run of every due schedule (shared/usecases/run-schedules.ts), daily at 00:00
 * UTC. It throws only on a failure of the run itself (the schedule's retry policy then runs it again, which the
 * period keys make safe); a refused affiliate is a count in the summary, not a failure.
 */
export function createSchedulerHandler({ config, store, clock, cursorSecret, logger }: Dependencies) {
  const services = createServices({ store, rules: config, clock, cursorSecret });
  return async (event: SchedulerEvent | undefined): Promise<ScheduleRunView> => {
    const at = event?.at !== undefined && !Number.isNaN(Date.parse(event.at)) ? new Date(event.at) : clock.now();
    const summary = await runSchedules(services, at, { logger });
    logger.info('schedules run', { ...summary });
    return summary;
  };
}
