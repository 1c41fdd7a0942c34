import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs, startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
let analyst: string;
beforeAll(async () => {
  server = await startTestServer();
  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
});
afterAll(async () => server.close());

const patch = (payload: unknown, token?: string) =>
  server.request({ method: "PATCH", url: "/api/settings", payload, ...(token ? { token } : {}) });
const get = (url = "/api/settings", token?: string) =>
  server.request({ method: "GET", url, ...(token ? { token } : {}) });
const put = (url: string, payload: unknown, token?: string) =>
  server.request({ method: "PUT", url, payload, ...(token ? { token } : {}) });
const importText = (url: string, text: string, contentType = "text/plain", token?: string) =>
  server.request({
    method: "POST",
    url,
    payload: text,
    headers: { "content-type": contentType },
    ...(token ? { token } : {}),
  });
const auditEntries = async () =>
  (
    await server.services.db.query<{ details: Record<string, any>; actor_name: string }>(
      "SELECT details, actor_name FROM audit_entries WHERE action = 'settings.update' ORDER BY at, id",
    )
  ).rows;
const storedSettings = async () =>
  (await server.services.db.query<{ settings: Record<string, any> }>("SELECT settings FROM tenant")).rows[0]!.settings;

describe("tenant settings", () => {
  it("starts with the defaults, including the intelligent detections", async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      activationWindowDays: 30,
      pastActivityDays: 90,
      emailPastActivityDays: 10,
      privacy: { showNamesToEntitledRoles: true },
      detections: {
        alertVolume: "default",
        unusualActivityMinDailyEvents: 50,
        ignoreEmailSignatureAttachments: false,
        securityAlertStatuses: ["Unknown", "New", "InProgress", "Resolved"],
        domains: { unallowed: [], allowed: [], thirdParty: [] },
        trainableClassifierExclusions: [
          "Threat",
          "Profanity",
          "Targeted harassment",
          "Offensive language",
          "Discrimination",
        ],
      },
    });
    expect(res.json().detections.defaultFilePathExclusions).toHaveLength(4);
  });

  it("answers 400 naming the field and its range for out-of-range values, and changes nothing", async () => {
    const high = await patch({ activationWindowDays: 31 });
    expect(high.statusCode).toBe(400);
    expect(high.json().detail).toBe("activationWindowDays must be a whole number of days from 1 to 30 (got 31).");
    expect(high.json().details).toEqual({ column: "activationWindowDays", min: 1, max: 30 });
    const low = await patch({ pastActivityDays: -1 });
    expect(low.json().detail).toBe("pastActivityDays must be a whole number of days from 0 to 90 (got -1).");
    expect((await patch({ privacy: { showNamesToEntitledRoles: "false" } })).statusCode).toBe(400);
    const volume = await patch({ pastActivityDays: 5, detections: { alertVolume: "loud" } });
    expect(volume.statusCode).toBe(400);
    expect(volume.json().detail).toBe('detections.alertVolume must be one of fewer, default, more (got "loud").');
    expect(volume.json().details.column).toBe("detections.alertVolume");
    const fixed = await patch({ emailPastActivityDays: 30 });
    expect(fixed.statusCode).toBe(400);
    expect(fixed.json().detail).toMatch(/^emailPastActivityDays is fixed at 10 days and cannot be changed/);
    const settings = (await get()).json();
    expect(settings.activationWindowDays).toBe(30);
    expect(settings.pastActivityDays).toBe(90);
    expect(await auditEntries()).toHaveLength(0);
  });

  it("applies a change, keeps the running server current and audits previous and new values", async () => {
    const res = await patch({ pastActivityDays: 14, privacy: { showNamesToEntitledRoles: false } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      activationWindowDays: 30,
      pastActivityDays: 14,
      privacy: { showNamesToEntitledRoles: false },
    });
    expect(server.services.tenant.settings).toMatchObject({
      pastActivityDays: 14,
      privacy: { showNamesToEntitledRoles: false },
    });
    const stored = await storedSettings();
    expect(stored).toMatchObject({
      activationWindowDays: 30,
      pastActivityDays: 14,
      privacy: { showNamesToEntitledRoles: false },
    });
    expect(stored).not.toHaveProperty("emailPastActivityDays");
    const audit = await auditEntries();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({
      changed: ["pastActivityDays", "privacy.showNamesToEntitledRoles"],
      previous: { pastActivityDays: 90, privacy: { showNamesToEntitledRoles: true } },
      next: { pastActivityDays: 14, privacy: { showNamesToEntitledRoles: false } },
    });
    // Repeating the same values is not a change: no second audit entry.
    await patch({ pastActivityDays: 14 });
    expect(await auditEntries()).toHaveLength(1);
    await patch({ pastActivityDays: 90, privacy: { showNamesToEntitledRoles: true } });
  });

  it("changes nested detection settings partially and audits only what changed", async () => {
    const res = await patch({
      detections: {
        alertVolume: "fewer",
        fileTypeExclusions: "aac, .MP3",
        domains: { unallowed: ["Dropbox.com", { domain: "*.mega.nz", includeMultiLevelSubdomains: true }] },
      },
    });
    expect(res.statusCode).toBe(200);
    const detections = res.json().detections;
    expect(detections.alertVolume).toBe("fewer");
    expect(detections.fileTypeExclusions).toEqual(["aac", "mp3"]);
    expect(detections.domains.unallowed).toEqual([
      { domain: "dropbox.com", includeMultiLevelSubdomains: false },
      { domain: "*.mega.nz", includeMultiLevelSubdomains: true },
    ]);
    expect(detections.unusualActivityMinDailyEvents).toBe(50);
    const last = (await auditEntries()).at(-1)!;
    expect(last.details.changed).toEqual([
      "detections.fileTypeExclusions",
      "detections.alertVolume",
      "detections.domains.unallowed",
    ]);
    expect(last.details.previous).toEqual({
      detections: { fileTypeExclusions: [], alertVolume: "default", domains: { unallowed: [] } },
    });
    expect(last.details.next.detections.alertVolume).toBe("fewer");
    expect((await storedSettings()).detections.alertVolume).toBe("fewer");
  });

  it("answers 400 with the field path of a bad list entry and with the 500 limit", async () => {
    const bad = await patch({ detections: { domains: { allowed: ["contoso.com", "https://fabrikam.com/x"] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toBe(
      'detections.domains.allowed[1] "https://fabrikam.com/x" has a scheme; write the domain alone: fabrikam.com.',
    );
    expect(bad.json().details).toEqual({ column: "detections.domains.allowed[1]", index: 1 });
    const many = Array.from({ length: 501 }, (_, i) => `C:\\data\\f${i}`);
    const tooMany = await patch({ detections: { filePathExclusions: many } });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toBe(
      "detections.filePathExclusions would have 501 entries; the limit is 500. Remove at least 1. A wildcard (C:\\Users\\*\\Desktop, *(n) for up to n levels) covers many folders in one entry.",
    );
    expect(tooMany.json().details).toEqual({ column: "detections.filePathExclusions", limit: 500, count: 501 });
    const unknown = await patch({ detections: { domains: { blocked: [] } } });
    expect(unknown.json().detail).toBe(
      "Unknown setting 'detections.domains.blocked'. detections.domains settings are: unallowed, allowed, thirdParty.",
    );
  });

  it("replaces one domain list with PUT and a JSON array, and reads it back", async () => {
    const res = await put("/api/settings/detections/domains/third-party", ["*.Box.com", "wetransfer.com"]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      list: "domains/third-party",
      field: "detections.domains.thirdParty",
      limit: 500,
      count: 2,
      changed: true,
      entries: [
        { domain: "*.box.com", includeMultiLevelSubdomains: false },
        { domain: "wetransfer.com", includeMultiLevelSubdomains: false },
      ],
    });
    const read = await get("/api/settings/detections/domains/third-party");
    expect(read.json().entries).toHaveLength(2);
    const text = await get("/api/settings/detections/domains/third-party?format=text");
    expect(text.body).toBe("*.box.com\nwetransfer.com\n");
    expect((await auditEntries()).at(-1)!.details).toMatchObject({
      changed: ["detections.domains.thirdParty"],
      list: "domains/third-party",
    });
    const paths = await put("/api/settings/detections/file-paths", ["C:\\Users\\*\\Desktop", "\\public\\local\\"]);
    expect(paths.json().entries).toEqual(["C:\\Users\\*\\Desktop", "\\public\\local\\"]);
  });

  it("refuses a PUT that is not an array, an unknown list, and more than 500 entries", async () => {
    const notArray = await put("/api/settings/detections/domains/allowed", { domains: ["x.com"] });
    expect(notArray.statusCode).toBe(400);
    expect(notArray.json().detail).toBe(
      'The body must be a JSON array of entries for detections.domains.allowed, such as ["*.contoso.com,true"]; to import a text list use POST …/domains/allowed/import.',
    );
    const unknown = await put("/api/settings/detections/domains/blocked", ["x.com"]);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toMatch(
      /^There is no detection list 'domains\/blocked'\. Did you mean 'domains\/allowed'\?/,
    );
    const many = Array.from({ length: 501 }, (_, i) => `d${i}.contoso.com`);
    const over = await put("/api/settings/detections/domains/allowed", many);
    expect(over.statusCode).toBe(400);
    expect(over.json().details).toEqual({ column: "detections.domains.allowed", limit: 500, count: 501 });
    expect(over.json().detail).toMatch(/the limit is 500\./);
  });

  it("imports a text list: good lines kept, bad lines rejected with their line number", async () => {
    const text =
      "domain,includeMultiLevelSubdomains\n# partners\ncontoso.com\n*.fabrikam.com,true\nhttps://bad.example.com/x\ncontoso.com\n";
    const res = await importText("/api/settings/detections/domains/allowed/import", text, "text/csv");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      list: "domains/allowed",
      mode: "replace",
      imported: 2,
      added: 2,
      removed: 0,
      duplicates: 1,
      count: 2,
      rejected: [
        {
          line: 5,
          value: "https://bad.example.com/x",
          message: 'Line 5: "https://bad.example.com/x" has a scheme; write the domain alone: bad.example.com.',
        },
      ],
    });
    expect((await auditEntries()).at(-1)!.details).toMatchObject({
      changed: ["detections.domains.allowed"],
      source: "import",
      mode: "replace",
      next: {
        detections: {
          domains: {
            allowed: [
              { domain: "contoso.com", includeMultiLevelSubdomains: false },
              { domain: "*.fabrikam.com", includeMultiLevelSubdomains: true },
            ],
          },
        },
      },
    });
    const appended = await importText(
      "/api/settings/detections/domains/allowed/import?mode=append",
      "northwind.com\ncontoso.com",
    );
    expect(appended.json()).toMatchObject({ mode: "append", imported: 1, added: 1, duplicates: 1, count: 3 });
    const json = await server.request({
      method: "POST",
      url: "/api/settings/detections/keywords/import",
      payload: { text: "training | compliance\ndraft" },
    });
    expect(json.json().entries).toEqual([
      { contains: ["training"], unless: ["compliance"] },
      { contains: ["draft"], unless: [] },
    ]);
  });

  it("refuses an import with no readable line, an empty text, and one over 500 entries, changing nothing", async () => {
    const before = (await get("/api/settings/detections/domains/allowed")).json().entries;
    const bad = await importText("/api/settings/detections/domains/allowed/import", "https://a.com\nb@c.com\n");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toBe(
      'No line could be read as an entry of detections.domains.allowed; nothing changed. Line 1: "https://a.com" has a scheme; write the domain alone: a.com. Line 2: "b@c.com" is an e-mail address; write its domain: c.com.',
    );
    expect(bad.json().details.rejected).toHaveLength(2);
    const empty = await importText("/api/settings/detections/domains/allowed/import", "# nothing\n\n");
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toMatch(/^The text has no entries for detections\.domains\.allowed/);
    const lines = Array.from({ length: 499 }, (_, i) => `d${i}.contoso.com`).join("\n");
    const over = await importText("/api/settings/detections/domains/allowed/import?mode=append", lines);
    expect(over.statusCode).toBe(400);
    expect(over.json().detail).toBe(
      "detections.domains.allowed would have 502 entries; the limit is 500. Remove at least 2. One wildcard entry such as *.contoso.com covers every domain under it. (3 in the list and 499 new in the text.) Nothing changed.",
    );
    const mode = await importText("/api/settings/detections/domains/allowed/import?mode=merge", "x.com");
    expect(mode.json().detail).toBe('mode must be replace or append (got "merge").');
    expect((await get("/api/settings/detections/domains/allowed")).json().entries).toEqual(before);
  });

  it("lets Analysts read but not change settings", async () => {
    expect((await get("/api/settings", analyst)).statusCode).toBe(200);
    expect((await get("/api/settings/detections/domains/allowed", analyst)).statusCode).toBe(200);
    expect((await patch({ activationWindowDays: 5 }, analyst)).statusCode).toBe(403);
    expect((await put("/api/settings/detections/domains/allowed", [], analyst)).statusCode).toBe(403);
    const imported = await importText("/api/settings/detections/file-types/import", "mp3", "text/plain", analyst);
    expect(imported.statusCode).toBe(403);
    expect(imported.json().detail).toBe("Your role groups do not allow 'settings.manage'.");
  });
});
