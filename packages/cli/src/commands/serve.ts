// `openirm serve`: start the server (embedded database under DATA_DIR unless DATABASE_URL is set).
// On a first start with the embedded database, the demo organisation is loaded unless OPENIRM_DEMO=off.

import { demoCanLoad, loadDemo, startServer } from "@openirm/server";
import type { Command } from "commander";
import type { CliIo } from "../io.ts";

export function registerServe(program: Command, io: CliIo): void {
  program
    .command("serve")
    .description("start the OpenIRM server (PORT, DATA_DIR, DATABASE_URL, OPENIRM_DEMO, OPENIRM_ADMIN_PASSWORD)")
    .option("--port <port>", "port to listen on (default: PORT or 8080)")
    .action(async (opts: { port?: string }) => {
      const server = await startServer({
        logger: true,
        ...(opts.port ? { config: { port: Number(opts.port) } } : {}),
      });
      const { firstStart, services } = server;
      const lines = [
        "",
        `OpenIRM is running at ${server.url}`,
        `  database: ${services.db.engine === "pglite" ? `embedded (${services.config.dataDir})` : "PostgreSQL (DATABASE_URL)"}`,
        `  tenant ID: ${services.tenant.id}`,
      ];
      if (firstStart) {
        lines.push("  first start: created the tenant and the administrator account 'admin'");
        if (firstStart.generatedPassword) {
          lines.push(`  admin password (shown once, store it now): ${firstStart.generatedPassword}`);
        } else {
          lines.push("  admin password: the value of OPENIRM_ADMIN_PASSWORD");
        }
      }
      io.out(`${lines.join("\n")}\n\n`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);

      const { config } = services;
      if (config.demo && !config.databaseUrl && (await demoCanLoad(services))) {
        io.out("Loading the demo organisation into the empty database (start with OPENIRM_DEMO=off to skip this)…\n");
        try {
          const demo = await loadDemo(server);
          io.out(
            `Demo organisation loaded: ${demo.people} people, ${demo.resignations} resignations, ` +
              `${demo.indicatorRows} Salesforce/Dropbox detections, policy 'Departing users data theft', ` +
              `${demo.alerts} alerts to triage. Set OPENIRM_DEMO=off to start with an empty organisation.\n\n`,
          );
        } catch (err) {
          io.err(`openirm: the demo organisation could not be loaded: ${(err as Error).message}\n`);
        }
      }
    });
}
