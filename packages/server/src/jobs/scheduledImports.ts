// The scheduled-imports job: every 15 seconds it looks for connector schedules that are due, and
// imports them (commands/connectorSchedules.ts runDueImports). Imports run in the background; a
// schedule being imported is claimed in the database, so it never fires twice at once, even with
// several servers.

import { Cron } from "croner";
import { runDueImports } from "../commands/connectorSchedules.ts";
import type { BackgroundJob } from "./index.ts";

/** How often due schedules are looked for (croner pattern with seconds). */
export const SCHEDULE_CHECK_PATTERN = "*/15 * * * * *";

export const scheduledImportsJob: BackgroundJob = async (services, opts) => {
  if (!opts.scheduled) return undefined;
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  const cron = new Cron(SCHEDULE_CHECK_PATTERN, { protect: true, unref: true }, () => {
    if (stopped) return;
    const imports = runDueImports(services).catch((err) => {
      services.log.error({ err }, "looking for due scheduled imports failed");
    });
    running.add(imports);
    void imports.finally(() => running.delete(imports));
  });
  return async () => {
    stopped = true;
    cron.stop();
    // Imports being fetched or processed finish first; runs not started yet resume at the next start.
    await Promise.allSettled([...running]);
  };
};
