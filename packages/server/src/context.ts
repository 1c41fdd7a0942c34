// The context every command receives: who acts, the database, the clock and the logger.
// No globals, so tests pin the clock and the actor.

import type { Actor } from "@openirm/domain";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Db, Queryable } from "./store/db.ts";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Server-wide services shared by every request. */
export interface Services {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Config;
  tenant: TenantRow;
  hooks: {
    /** Called after an upload run has stored its signals; the scoring job hooks in here. */
    afterSignalsStored: Array<(ctx: Ctx, info: { runId: string; userIds: string[] }) => Promise<void>>;
    /** Called after the directory recorded account changes (disabled, deleted) for these users. */
    afterAccountsChanged: Array<(ctx: Ctx, userIds: string[]) => Promise<void>>;
  };
}

export interface TenantRow {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  pseudonym_key: string;
  token_key: string;
}

export interface Ctx extends Services {
  actor: Actor;
  /** Request metadata for the audit log. */
  ip?: string | undefined;
}

/** A context whose database handle is a transaction (for commands that must write atomically). */
export interface TxCtx extends Ctx {
  tx: Queryable;
}

export function withActor(services: Services, actor: Actor, ip?: string): Ctx {
  return { ...services, actor, ip };
}

export const SYSTEM_ACTOR: Actor = { kind: "system", id: "system" };
