// The `openirm` command line: builds the command tree and runs it, in-process and testable.

import { Command, CommanderError } from "commander";
import { registerActivity } from "./commands/activity.ts";
import { registerAlerts } from "./commands/alerts.ts";
import { registerApps } from "./commands/apps.ts";
import { registerConnectors } from "./commands/connectors.ts";
import { registerIndicators } from "./commands/indicators.ts";
import { registerLogin } from "./commands/login.ts";
import { registerPhysicalAssets } from "./commands/physicalAssets.ts";
import { registerPolicies } from "./commands/policies.ts";
import { registerPriorityGroups } from "./commands/priorityGroups.ts";
import { registerRiskLevels } from "./commands/riskLevels.ts";
import { registerRuns } from "./commands/runs.ts";
import { registerScoping } from "./commands/scoping.ts";
import { registerScoring } from "./commands/scoring.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSettings } from "./commands/settings.ts";
import { registerUpload } from "./commands/upload.ts";
import { CliError } from "./errors.ts";
import { type CliIo, processIo } from "./io.ts";

export const VERSION = "0.1.0";

export function buildProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name("openirm")
    .description("OpenIRM: self-hosted insider risk management")
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`openirm: ${text.replace(/^error: /, "")}`),
    });
  registerServe(program, io);
  registerLogin(program, io);
  registerApps(program, io);
  registerConnectors(program, io);
  registerRuns(program, io);
  registerUpload(program, io);
  registerIndicators(program, io);
  registerPolicies(program, io);
  registerAlerts(program, io);
  registerRiskLevels(program, io);
  registerScoring(program, io);
  registerScoping(program, io);
  registerPhysicalAssets(program, io);
  registerPriorityGroups(program, io);
  registerActivity(program, io);
  registerSettings(program, io);
  return program;
}

/**
 * Runs one command line (arguments after the program name) and returns the exit code:
 * 0 success, 1 failure (`openirm: <detail>` on stderr), 2 usage mistake.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : 2;
    }
    if (err instanceof CliError) {
      io.err(`openirm: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`openirm: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
