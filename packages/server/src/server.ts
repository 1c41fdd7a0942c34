// Starting and stopping an OpenIRM server: services, HTTP, background jobs.

import pino from "pino";
import { type FirstStart, openServices } from "./bootstrap.ts";
import { type Config, loadConfig } from "./config.ts";
import type { Clock, Services } from "./context.ts";
import { systemClock } from "./context.ts";
import { buildApp } from "./http/app.ts";
import { ROUTE_MODULES } from "./http/routes.ts";
import { BACKGROUND_JOBS } from "./jobs/index.ts";
import type { Db } from "./store/db.ts";

export interface RunningServer {
  url: string;
  services: Services;
  firstStart: FirstStart | undefined;
  app: Awaited<ReturnType<typeof buildApp>>;
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Partial<Config>;
  clock?: Clock;
  db?: Db;
  logger?: boolean;
  /** Start background jobs (schedules, upload resumption). Default true. */
  jobs?: boolean;
  listen?: boolean;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...loadConfig(), ...opts.config };
  const log = pino({ level: opts.logger === false ? "silent" : (process.env.LOG_LEVEL ?? "info") });
  const { services, firstStart } = await openServices(config, log, opts.clock ?? systemClock, opts.db);
  const app = await buildApp(services, ROUTE_MODULES, { logger: opts.logger ?? false });
  const stops: Array<() => Promise<void> | void> = [];
  for (const job of BACKGROUND_JOBS) {
    const stop = await job(services, { scheduled: opts.jobs !== false });
    if (stop) stops.push(stop);
  }
  let url = "";
  if (opts.listen !== false) {
    url = await app.listen({ port: config.port, host: config.host });
    url = url.replace("0.0.0.0", "localhost").replace("[::]", "localhost");
  } else {
    await app.ready();
  }
  return {
    url,
    services,
    firstStart,
    app,
    async close() {
      for (const stop of stops) await stop();
      await app.close();
      await services.db.close();
    },
  };
}
