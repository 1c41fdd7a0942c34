export { type Config, loadConfig } from "./config.ts";
export { type DemoLoadResult, demoCanLoad, loadDemo, mintAccountSession } from "./demo/index.ts";
export { type RunningServer, type StartOptions, startServer } from "./server.ts";
export { type Db, openDatabase } from "./store/db.ts";
