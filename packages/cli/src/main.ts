// Entry point of the `openirm` command line.

import { Command } from "commander";
import { registerServe } from "./commands/serve.ts";

const program = new Command();
program.name("openirm").description("OpenIRM: self-hosted insider risk management").version("0.1.0");
registerServe(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`openirm: ${message}\n`);
  process.exit(1);
});
