// The demo organisation, loaded through the real API into an empty server.

export {
  DEMO_POLICY_NAME,
  DEMO_SEED,
  type DemoLoadResult,
  demoCanLoad,
  type LoadDemoOptions,
  loadDemo,
} from "./loadDemo.ts";
export { type MintedSession, mintAccountSession } from "./session.ts";
