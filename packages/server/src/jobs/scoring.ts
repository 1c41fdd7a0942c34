// The scoring job: rescores the users of every upload as soon as its signals are stored, and
// everyone on the configured schedule (config.scoringSchedule, a cron expression).

import { Cron } from "croner";
import { scoreAllUsers, scoreUsers } from "../commands/scoring.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";
import type { BackgroundJob } from "./index.ts";

export const scoringJob: BackgroundJob = async (services, opts) => {
  services.hooks.afterSignalsStored.push(async (ctx, info) => {
    try {
      await scoreUsers({ ...ctx, actor: SYSTEM_ACTOR }, info.userIds);
    } catch (err) {
      // The signals are stored either way; the next scheduled run scores them.
      ctx.log.error({ err, runId: info.runId }, "scoring after an upload failed");
    }
  });
  services.hooks.afterAccountsChanged.push(async (ctx, userIds) => {
    try {
      await scoreUsers({ ...ctx, actor: SYSTEM_ACTOR }, userIds);
    } catch (err) {
      ctx.log.error({ err }, "scoring after a directory change failed");
    }
  });
  if (!opts.scheduled) return undefined;
  const cron = new Cron(services.config.scoringSchedule, { protect: true, unref: true }, async () => {
    try {
      await scoreAllUsers(withActor(services, SYSTEM_ACTOR));
    } catch (err) {
      services.log.error({ err }, "scheduled scoring run failed");
    }
  });
  return () => cron.stop();
};
