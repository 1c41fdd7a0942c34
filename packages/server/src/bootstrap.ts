// Opening OpenIRM's state: database, migrations, the tenant and the first administrator.

import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_TENANT_SETTINGS, readTenantSettings } from "@openirm/domain";
import type { Logger } from "pino";
import { createAccount } from "./commands/accounts.ts";
import { syncBuiltinIndicators } from "./commands/indicators.ts";
import type { Config } from "./config.ts";
import { type Clock, type Services, SYSTEM_ACTOR, systemClock, type TenantRow, withActor } from "./context.ts";
import { type Db, openDatabase } from "./store/db.ts";
import { migrate } from "./store/migrate.ts";

export interface FirstStart {
  tenantId: string;
  adminUsername: string;
  /** Present only when the password was generated (it is printed once, never stored in clear). */
  generatedPassword?: string;
}

export interface OpenedServices {
  services: Services;
  firstStart: FirstStart | undefined;
}

export async function openServices(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
  db?: Db,
): Promise<OpenedServices> {
  const database = db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  await migrate(database);
  // The built-in indicator catalog is code; its rows follow it at every start.
  await syncBuiltinIndicators(database);
  let firstStart: FirstStart | undefined;
  let tenant = (
    await database.query<TenantRow>("SELECT id, name, settings, pseudonym_key, token_key FROM tenant LIMIT 1")
  ).rows[0];
  if (!tenant) {
    tenant = {
      id: randomUUID(),
      name: "Default organisation",
      settings: { ...DEFAULT_TENANT_SETTINGS },
      pseudonym_key: randomBytes(32).toString("base64"),
      token_key: randomBytes(48).toString("base64"),
    };
    await database.query(
      "INSERT INTO tenant (id, name, settings, pseudonym_key, token_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      [tenant.id, tenant.name, tenant.settings, tenant.pseudonym_key, tenant.token_key, clock.now().toISOString()],
    );
    firstStart = { tenantId: tenant.id, adminUsername: "admin" };
  }
  tenant.settings = { ...readTenantSettings(tenant.settings) };
  const services: Services = {
    db: database,
    clock,
    log,
    config,
    tenant,
    hooks: { afterSignalsStored: [], afterAccountsChanged: [] },
  };
  const admins = await database.query("SELECT 1 FROM accounts LIMIT 1");
  if (admins.rows.length === 0) {
    const password = config.adminPassword ?? randomBytes(12).toString("base64url");
    await createAccount(withActor(services, SYSTEM_ACTOR), {
      username: "admin",
      displayName: "Administrator",
      password,
      roleGroups: ["InsiderRiskManagement"],
    });
    firstStart = {
      tenantId: tenant.id,
      adminUsername: "admin",
      ...(config.adminPassword ? {} : { generatedPassword: password }),
    };
  }
  return { services, firstStart };
}
