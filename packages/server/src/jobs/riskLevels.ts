// The risk level job: recomputes the levels of the users of every upload and directory change right
// after scoring has run for them, everyone hourly (so levels expire on time), and sends the queued
// webhook deliveries every minute (retries included).

import { Cron } from "croner";
import { recomputeAllRiskLevels, recomputeRiskLevels } from "../commands/riskLevels.ts";
import { processDeliveries } from "../commands/riskLevelWebhooks.ts";
import { type Ctx, SYSTEM_ACTOR, withActor } from "../context.ts";
import type { BackgroundJob } from "./index.ts";

/** Recomputes these users, then sends what the changes queued; failures are logged, never thrown. */
export async function followScoring(ctx: Ctx, userIds: readonly string[]): Promise<void> {
  try {
    const system = { ...ctx, actor: SYSTEM_ACTOR };
    const { levelsChanged } = await recomputeRiskLevels(system, userIds);
    if (levelsChanged > 0) await processDeliveries(system);
  } catch (err) {
    // The hourly run computes them again.
    ctx.log.error({ err }, "risk level recomputation failed");
  }
}

export const riskLevelsJob: BackgroundJob = async (services, opts) => {
  services.hooks.afterSignalsStored.push((ctx, info) => followScoring(ctx, info.userIds));
  services.hooks.afterAccountsChanged.push((ctx, userIds) => followScoring(ctx, userIds));
  if (!opts.scheduled) return undefined;
  const ctx = withActor(services, SYSTEM_ACTOR);
  const hourly = new Cron("17 * * * *", { protect: true, unref: true }, async () => {
    try {
      const { levelsChanged } = await recomputeAllRiskLevels(ctx);
      if (levelsChanged > 0) await processDeliveries(ctx);
    } catch (err) {
      services.log.error({ err }, "hourly risk level run failed");
    }
  });
  const deliveries = new Cron("* * * * *", { protect: true, unref: true }, async () => {
    try {
      await processDeliveries(ctx);
    } catch (err) {
      services.log.error({ err }, "webhook deliveries failed");
    }
  });
  return () => {
    hourly.stop();
    deliveries.stop();
  };
};
