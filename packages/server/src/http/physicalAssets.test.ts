// Priority physical assets (list, add, remove, CSV import, permissions, audit) and the physical
// access findings: priority asset, failed access, access after a resignation's last working day
// and after a directory deletion.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, createConnector, type TestApp } from "../../test/protocol/setup.ts";
import { insertConnector, insertSignals, signInAs, startTestServer, type TestServer } from "../../test/support.ts";
import { physicalAccessFindings } from "../commands/physicalAccess.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";

let server: TestServer;
let analyst: string;
let investigator: string;
let auditor: string;
let connectorAdmin: string;
const PATH = "/api/settings/priority-physical-assets";

beforeAll(async () => {
  server = await startTestServer();
  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
  investigator = await signInAs(server, "ivan", ["InsiderRiskManagementInvestigators"]);
  auditor = await signInAs(server, "audrey", ["InsiderRiskManagementAuditors"]);
  connectorAdmin = await signInAs(server, "dora", ["DataConnectorAdmin"]);
});
afterAll(async () => server.close());

const add = (payload: unknown, token?: string) =>
  server.request({ method: "POST", url: PATH, payload, ...(token ? { token } : {}) });
const list = async (query = "") => (await server.request({ method: "GET", url: `${PATH}${query}` })).json();
const importCsv = (text: string, contentType = "text/csv", token?: string) =>
  server.request({
    method: "POST",
    url: `${PATH}/import`,
    payload: text,
    headers: { "content-type": contentType },
    ...(token ? { token } : {}),
  });
const audits = async (action: string) =>
  (
    await server.services.db.query<{ details: Record<string, unknown>; actor_name: string }>(
      "SELECT details, actor_name FROM audit_entries WHERE action = $1 ORDER BY at, id",
      [action],
    )
  ).rows;

describe("priority physical assets", () => {
  it("adds an asset, lists it, refuses it again in another case, and audits the change", async () => {
    const res = await add({ assetId: " Mid-Sec-7 ", name: "Main Building 1st Floor Mid Section" });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      assetId: "Mid-Sec-7",
      name: "Main Building 1st Floor Mid Section",
      addedBy: "admin",
      addedAt: expect.any(String),
    });
    expect((await list()).items.map((a: { assetId: string }) => a.assetId)).toEqual(["Mid-Sec-7"]);
    const again = await add({ assetId: "MID-SEC-7" });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toBe(
      "assetId: 'MID-SEC-7' is already a priority physical asset (listed as 'Mid-Sec-7'; IDs are matched without regard to case).",
    );
    expect(await audits("priority_physical_asset.add")).toEqual([
      {
        actor_name: "admin",
        details: expect.objectContaining({ assetId: "Mid-Sec-7", name: "Main Building 1st Floor Mid Section" }),
      },
    ]);
  });

  it("refuses a bad asset, naming the field", async () => {
    const empty = await add({ assetId: "  " });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ detail: "assetId: the asset ID is empty.", details: { column: "assetId" } });
    const missing = await add({ name: "Lobby" });
    expect(missing.json().detail).toBe("assetId: give the asset's ID as the badging system sends it (AssetId).");
    const extra = await add({ assetId: "Lobby", floor: 2 });
    expect(extra.json().detail).toBe("floor: unknown field; a priority physical asset has assetId and name.");
  });

  it("imports a CSV: good lines kept, bad lines reported by number, duplicates and listed assets ignored", async () => {
    const res = await importCsv(
      'AssetId,AssetName\r\nLab-2,"R&D Lab, 2nd floor"\r\nmid-sec-7,Again\r\n--\r\nServer-Room\r\nlab-2,Twice\r\n\tTab-In-ID\r\n',
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      added: 3,
      alreadyListed: 1,
      duplicatesInFile: 1,
      rejected: 1,
      errors: [
        { line: 4, reason: "AssetId: '--' has no letter or digit; an asset ID is alphanumeric (e.g. Mid-Sec-7)." },
      ],
      warnings: [],
    });
    const { items, total } = await list();
    expect(total).toBe(4);
    expect(items.map((a: { assetId: string; name: string | null }) => [a.assetId, a.name])).toEqual([
      ["Lab-2", "R&D Lab, 2nd floor"],
      ["Mid-Sec-7", "Main Building 1st Floor Mid Section"],
      ["Server-Room", null],
      ["Tab-In-ID", null],
    ]);
    expect(await audits("priority_physical_asset.import")).toEqual([
      {
        actor_name: "admin",
        details: expect.objectContaining({
          added: 3,
          alreadyListed: 1,
          rejected: 1,
          assetIds: ["Lab-2", "Server-Room", "Tab-In-ID"],
        }),
      },
    ]);
  });

  it("imports a bare list sent as text/plain or as JSON, and explains an empty or misnamed file", async () => {
    const bare = await importCsv("Dock-1\nDock-2,Loading dock 2\n", "text/plain");
    expect(bare.json()).toMatchObject({ added: 2, rejected: 0 });
    const json = await server.request({ method: "POST", url: `${PATH}/import`, payload: { csv: "Dock-3\n" } });
    expect(json.json()).toMatchObject({ added: 1 });
    const empty = await importCsv("\r\n\r\n");
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toBe(
      "The file has no asset IDs: send one asset ID per line, or a CSV with the header AssetId (and optionally AssetName).",
    );
    const misnamed = await importCsv("Asset,Name\nDock-9,Nine\n");
    expect(misnamed.json()).toMatchObject({
      added: 0,
      rejected: 1,
      errors: [
        {
          line: 1,
          reason:
            "the header has no column 'AssetId' (did you mean 'Asset'?); the file's other lines were not read. Name the column AssetId, or send a bare list of asset IDs without a header.",
        },
      ],
    });
  });

  it("searches and pages the list", async () => {
    const page = await list("?search=dock&pageSize=2&page=2");
    expect(page).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.items.map((a: { assetId: string }) => a.assetId)).toEqual(["Dock-3"]);
    const bad = await server.request({ method: "GET", url: `${PATH}?pageSize=0` });
    expect(bad.json().detail).toBe("pageSize: '0' is not allowed; use a whole number from 1 to 500.");
  });

  it("removes an asset by its ID in any case, and says when it is not listed", async () => {
    const res = await server.request({ method: "DELETE", url: `${PATH}/${encodeURIComponent(" dock-3 ")}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().removed).toMatchObject({ assetId: "Dock-3" });
    const again = await server.request({ method: "DELETE", url: `${PATH}/Dock-3` });
    expect(again.statusCode).toBe(404);
    expect(again.json().detail).toBe("Priority physical asset 'Dock-3' does not exist.");
    expect((await audits("priority_physical_asset.remove")).map((a) => a.details.assetId)).toEqual(["Dock-3"]);
  });

  it("lets settings.read roles list, only settings.manage roles change, and no one else in", async () => {
    expect((await server.request({ method: "GET", url: PATH, token: analyst })).statusCode).toBe(200);
    const denied = await add({ assetId: "Vault" }, analyst);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toBe("Your role groups do not allow 'settings.manage'.");
    expect((await importCsv("Vault\n", "text/csv", analyst)).statusCode).toBe(403);
    expect((await server.request({ method: "DELETE", url: `${PATH}/Lab-2`, token: analyst })).statusCode).toBe(403);
    expect((await server.request({ method: "GET", url: PATH, token: auditor })).statusCode).toBe(403);
    expect((await server.request({ method: "GET", url: PATH, token: connectorAdmin })).statusCode).toBe(403);
    expect((await server.request({ method: "GET", url: PATH, token: null })).statusCode).toBe(401);
  });
});

describe("physical access findings", () => {
  let app: TestApp;
  let badging: { id: string; jobId: string };
  let ids: Record<string, string>;

  const event = (UserId: string, AssetId: string, EventTime: string, AccessStatus = "Success") => ({
    UserId,
    AssetId,
    AssetName: `${AssetId} door`,
    EventTime,
    AccessStatus,
  });

  beforeAll(async () => {
    app = await createApp(server, "badges");
    badging = await createConnector(server, { type: "badging", name: "Badges", appId: app.clientId });
    const res = await server.request({
      method: "POST",
      url: `/api/signals/physicalbadging?jobid=${badging.jobId}`,
      payload: JSON.stringify([
        event("rita@contoso.com", "Lobby-1", "2026-03-01T08:00:00"), // nothing
        event("rita@contoso.com", " MID-SEC-7", "2026-03-02T08:00:00"), // priority asset
        event("rita@contoso.com", "Lobby-1", "2026-03-03T08:00:00", "Failure"), // failed
        event("rita@contoso.com", "Lobby-1", "2026-03-10T23:59:59"), // last working day: nothing
        event("rita@contoso.com", "Mid-Sec-7", "2026-03-11T00:00:00", "Failed"), // all three
        event("dan@contoso.com", "Lobby-1", "2026-03-05T11:00:00"), // before the deletion: nothing
        event("dan@contoso.com", "Lobby-1", "2026-03-05T13:00:00"), // after the deletion
        event("ned@contoso.com", "Lobby-1", "2026-03-20T13:00:00"), // never terminated: nothing
      ]),
      headers: { "content-type": "application/json" },
      token: app.token,
    });
    expect(res.json()).toMatchObject({ recordsSaved: 8 });
    const { rows } = await server.services.db.query<{ id: string; upn: string }>(
      "SELECT id, upn FROM directory_users WHERE upn IN ('rita@contoso.com', 'dan@contoso.com', 'ned@contoso.com')",
    );
    ids = Object.fromEntries(rows.map((r) => [r.upn.split("@")[0] as string, r.id]));
    // Rita resigned: last working day 10 March (an older resignation said 1 March).
    const hr = await insertConnector(server.services.db, { name: "HR", type: "hr", config: {} });
    await insertSignals(server.services.db, [
      {
        connectorId: hr,
        userId: ids.rita as string,
        occurredAt: "2026-01-15T00:00:00Z",
        kind: "hr.resignation",
        attributes: { ResignationDate: "2026-01-15T00:00:00Z", LastWorkingDate: "2026-03-01T00:00:00Z" },
      },
      {
        connectorId: hr,
        userId: ids.rita as string,
        occurredAt: "2026-02-01T00:00:00Z",
        kind: "hr.resignation",
        attributes: { ResignationDate: "2026-02-01T00:00:00Z", LastWorkingDate: "2026-03-10T09:48:02.467504Z" },
      },
    ]);
    // Dan's account was deleted from the directory at noon on 5 March.
    await server.services.db.query(
      "UPDATE directory_users SET deleted_at = '2026-03-05T12:00:00Z', disabled_at = '2026-03-05T12:00:00Z' WHERE id = $1",
      [ids.dan as string],
    );
  });

  const findings = async (query: string, token?: string) => {
    const res = await server.request({
      method: "GET",
      url: `/api/physical-access?${query}`,
      ...(token ? { token } : {}),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const WINDOW = "from=2026-03-01&to=2026-04-01";

  it("lists a user's events with findings: priority asset, failed access, after the last working day", async () => {
    const res = await findings(`user=Rita@Contoso.com&${WINDOW}`);
    expect(res.total).toBe(3);
    expect(res.items.map((i: any) => [i.occurredAt, i.assetId, i.accessStatus, i.findings])).toEqual([
      ["2026-03-11T00:00:00Z", "Mid-Sec-7", "Failed", ["priority-asset", "failed-access", "after-termination"]],
      ["2026-03-03T08:00:00Z", "Lobby-1", "Failed", ["failed-access"]],
      ["2026-03-02T08:00:00Z", "MID-SEC-7", "Success", ["priority-asset"]],
    ]);
    expect(res.items[0]).toMatchObject({
      user: { id: ids.rita, alias: expect.stringMatching(/^Anon-/), upn: "rita@contoso.com" },
      assetName: "Mid-Sec-7 door",
      connectorId: badging.id,
      termination: { at: "2026-03-11T00:00:00.000Z", source: "hr.resignation" },
    });
    const all = await findings(`user=rita@contoso.com&${WINDOW}&all=true`);
    expect(all.total).toBe(5);
    expect(all.items.filter((i: any) => i.findings.length === 0).map((i: any) => i.occurredAt)).toEqual([
      "2026-03-10T23:59:59Z",
      "2026-03-01T08:00:00Z",
    ]);
  });

  it("takes the termination from the directory's deletion when there is no resignation", async () => {
    const res = await findings(`user=dan@contoso.com&${WINDOW}`);
    expect(res.items.map((i: any) => [i.occurredAt, i.findings, i.termination])).toEqual([
      ["2026-03-05T13:00:00Z", ["after-termination"], { at: "2026-03-05T12:00:00.000Z", source: "directory.disabled" }],
    ]);
    expect((await findings(`user=ned@contoso.com&${WINDOW}`)).items).toEqual([]);
  });

  it("lists every user's findings in the window, a page at a time", async () => {
    const first = await findings(`${WINDOW}&pageSize=2`);
    expect(first.total).toBe(4);
    expect(first.items.map((i: any) => i.occurredAt)).toEqual(["2026-03-11T00:00:00Z", "2026-03-05T13:00:00Z"]);
    const past = await findings(`${WINDOW}&pageSize=2&page=5`);
    expect(past).toMatchObject({ items: [], total: 4 });
    expect((await findings("from=2026-04-01&to=2026-05-01")).total).toBe(0);
  });

  it("shows analysts aliases only, and looks users up by id for them, never by UPN", async () => {
    const byId = await findings(`user=${ids.rita}&${WINDOW}`, analyst);
    expect(byId.items[0].user).toEqual({ id: ids.rita, alias: expect.stringMatching(/^Anon-/) });
    const byUpn = await server.request({
      method: "GET",
      url: `/api/physical-access?user=rita@contoso.com&${WINDOW}`,
      token: analyst,
    });
    expect(byUpn.statusCode).toBe(403);
    expect(byUpn.json().detail).toBe(
      "user: your role groups show users by alias only, so a user cannot be looked up by UPN; give the user's id (shown with the alias).",
    );
    expect((await findings(`user=rita@contoso.com&${WINDOW}`, investigator)).items[0].user.upn).toBe(
      "rita@contoso.com",
    );
    const denied = await server.request({ method: "GET", url: "/api/physical-access", token: connectorAdmin });
    expect(denied.statusCode).toBe(403);
  });

  it("gives the scoring engine every finding of several users in a window", async () => {
    const ctx = withActor(server.services, SYSTEM_ACTOR);
    const events = await physicalAccessFindings(ctx, {
      userIds: [ids.rita as string, ids.dan as string, ids.ned as string],
      from: "2026-03-03T00:00:00Z",
      to: "2026-03-31T00:00:00Z",
    });
    expect(events.map((e) => [e.user.upn, e.occurredAt, e.findings])).toEqual([
      ["rita@contoso.com", "2026-03-11T00:00:00Z", ["priority-asset", "failed-access", "after-termination"]],
      ["dan@contoso.com", "2026-03-05T13:00:00Z", ["after-termination"]],
      ["rita@contoso.com", "2026-03-03T08:00:00Z", ["failed-access"]],
    ]);
  });

  it("explains bad parameters", async () => {
    const bad = async (query: string) =>
      (await server.request({ method: "GET", url: `/api/physical-access?${query}` })).json().detail;
    expect(await bad("from=yesterday")).toBe(
      "from: 'yesterday' is not a date; use YYYY-MM-DD (read as 00:00 UTC) or an ISO 8601 date and time with Z or an offset.",
    );
    expect(await bad("from=2026-04-01&to=2026-03-01")).toBe(
      "to: '2026-03-01T00:00:00.000Z' must be after from '2026-04-01T00:00:00.000Z' (to is exclusive).",
    );
    expect(await bad("user=nobody@contoso.com")).toBe("User 'nobody@contoso.com' does not exist.");
    expect(await bad("all=maybe")).toBe("all: 'maybe' is not allowed; use true or false.");
    expect(await bad("usr=x")).toBe(
      "usr: unknown parameter; this endpoint accepts: user, from, to, all, page, pageSize.",
    );
  });
});
