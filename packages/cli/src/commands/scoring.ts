// `openirm scoring run`: score now instead of waiting for the schedule.

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { printJson } from "../output.ts";

export function registerScoring(program: Command, io: CliIo): void {
  const scoring = program.command("scoring").description("the risk scoring run");
  withServer(scoring.command("run").description("run scoring now")).action(
    async (opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const result = await client.post("/api/scoring/run", {});
      if (opts.json) return printJson(io, result);
      const parts = Object.entries(result as Record<string, unknown>)
        .filter(([, v]) => typeof v === "number" || typeof v === "string")
        .map(([k, v]) => `${k} ${v}`);
      io.out(`Scoring run finished${parts.length > 0 ? `: ${parts.join(", ")}` : ""}.\n`);
    },
  );
}
