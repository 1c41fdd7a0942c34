// The employee-profile expiry job: every hour (and once at start) it removes the employee
// profiles no HR upload has refreshed for 30 days (commands/hr.ts expireEmployeeProfiles). Readers
// already ignore such profiles, so the job only keeps the table from holding them.

import { Cron } from "croner";
import { expireEmployeeProfiles } from "../commands/hr.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";
import type { BackgroundJob } from "./index.ts";

/** When expired profiles are looked for (croner pattern: minute 41 of every hour). */
export const PROFILE_EXPIRY_PATTERN = "41 * * * *";

export const employeeProfilesJob: BackgroundJob = async (services, opts) => {
  if (!opts.scheduled) return undefined;
  const running = new Set<Promise<unknown>>();
  const expire = () => {
    const work = expireEmployeeProfiles(withActor(services, SYSTEM_ACTOR)).catch((err) => {
      services.log.error({ err }, "removing expired employee profiles failed");
    });
    running.add(work);
    void work.finally(() => running.delete(work));
  };
  expire();
  const cron = new Cron(PROFILE_EXPIRY_PATTERN, { protect: true, unref: true }, expire);
  return async () => {
    cron.stop();
    await Promise.allSettled([...running]);
  };
};
