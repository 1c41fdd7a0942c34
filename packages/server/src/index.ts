export { type Config, loadConfig } from "./config.ts";
export { type RunningServer, type StartOptions, startServer } from "./server.ts";
export { type Db, openDatabase } from "./store/db.ts";
