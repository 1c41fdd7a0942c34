// `openirm serve`: start the server (embedded database under DATA_DIR unless DATABASE_URL is set).

import { startServer } from "@openirm/server";
import type { Command } from "commander";

export function registerServe(program: Command): void {
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
      process.stdout.write(`${lines.join("\n")}\n\n`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
