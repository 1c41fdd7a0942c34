// Activity connectors end to end: the catalog and ready-made mappings over the API, a connector per
// ready-made mapping fed its example file through POST /api/signals (CSV, JSON array and NDJSON),
// duplicates on re-upload, a custom mapping document, and bad records among good ones.

import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, createConnector, type TestApp, upload } from "../../test/protocol/setup.ts";
import { signInAs, startTestServer, TestClock, type TestServer } from "../../test/support.ts";

const EXAMPLES = new URL("../../../../docs/connectors/examples/activity/", import.meta.url);
const example = (name: string) => readFileSync(new URL(name, EXAMPLES), "utf8");
const ndjson = (records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join("");

let server: TestServer;
let app: TestApp;

beforeAll(async () => {
  server = await startTestServer({ clock: new TestClock() });
  app = await createApp(server, "activity uploads");
});
afterAll(async () => server.close());

async function activityConnector(name: string, activityMapping: unknown, sample?: string) {
  return createConnector(server, {
    type: "activity",
    name,
    appId: app.clientId,
    activityMapping,
    ...(sample !== undefined ? { sample } : {}),
  });
}

async function send(jobId: string, content: string) {
  const res = await upload(server, { jobId, token: app.token, content });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    runId: string;
    status: string;
    recordsReceived: number;
    recordsSaved: number;
    recordsRejected: number;
    recordsDuplicate: number;
    warnings: string[];
  };
}

async function storedSignals(runId: string) {
  const { rows } = await server.services.db.query<{ kind: string; upn: string; attributes: Record<string, unknown> }>(
    `SELECT s.kind, u.upn, s.attributes FROM signals s JOIN directory_users u ON u.id = s.user_id
      WHERE s.run_id = $1 ORDER BY s.occurred_at, s.kind`,
    [runId],
  );
  return rows;
}

async function rejections(runId: string) {
  const res = await server.request({ method: "GET", url: `/api/runs/${runId}` });
  return res.json().rejections as { line: number; column: string | null; reason: string; kind: string }[];
}

describe("the catalog and the ready-made mappings over the API", () => {
  it("lists the activity types with their signal kinds, categories, stages and attributes", async () => {
    const res = await server.request({ method: "GET", url: "/api/activity/types" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.categories).toEqual(["office", "device", "security", "cloud", "browsing", "communication"]);
    expect(body.stages).toEqual(["collection", "obfuscation", "exfiltration", "clean-up"]);
    expect(body.items).toContainEqual(
      expect.objectContaining({
        id: "file.copiedToRemovableMedia",
        signalKind: "activity.file.copiedToRemovableMedia",
        category: "device",
        stage: "exfiltration",
        attributes: expect.arrayContaining(["fileName", "sensitivityLabel", "device"]),
      }),
    );
    expect(body.attributes).toContainEqual(expect.objectContaining({ name: "sourceOperation", kind: "text" }));
  });

  it("lists the ready-made mappings and serves each as a JSON download", async () => {
    const list = (await server.request({ method: "GET", url: "/api/activity/mappings" })).json();
    expect(list.items.map((m: { id: string }) => m.id)).toEqual([
      "m365-audit-log",
      "defender-device-file-events",
      "defender-device-events",
      "google-workspace-drive",
      "okta-system-log",
    ]);
    const res = await server.request({ method: "GET", url: "/api/activity/mappings/okta-system-log" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["content-disposition"]).toBe('attachment; filename="okta-system-log.json"');
    expect(JSON.parse(res.body)).toMatchObject({ id: "okta-system-log", user: "actor.alternateId" });
    const missing = await server.request({ method: "GET", url: "/api/activity/mappings/okta" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe(
      "No ready-made activity mapping has the ID 'okta'. The mappings are: m365-audit-log, defender-device-file-events, defender-device-events, google-workspace-drive, okta-system-log.",
    );
  });

  it("needs connectors.read", async () => {
    const analyst = await signInAs(server, "analyst", ["InsiderRiskManagementAnalysts"]);
    const res = await server.request({ method: "GET", url: "/api/activity/types", token: analyst });
    expect(res.statusCode).toBe(403);
    const admin = await signInAs(server, "connector-admin", ["DataConnectorAdmin"]);
    expect((await server.request({ method: "GET", url: "/api/activity/mappings", token: admin })).statusCode).toBe(200);
  });
});

describe("ready-made mappings with their example files", () => {
  it("Microsoft 365 audit log CSV: 11 activities saved, 4 records skipped with a warning; again: 11 duplicates", async () => {
    const file = example("m365-audit-log.csv");
    const connector = await activityConnector("M365 audit log", "m365-audit-log", file);
    expect(connector.config).toMatchObject({ userColumn: "UserId" });
    const first = await send(connector.jobId, file);
    expect(first).toEqual({
      runId: expect.any(String),
      status: "completed",
      recordsReceived: 15,
      recordsSaved: 11,
      recordsRejected: 0,
      recordsDuplicate: 0,
      warnings: [
        "4 rows were skipped: operations this mapping does not import (FileAccessed ×2, UserLoggedIn ×1); records of imported operations that matched none of their conditions (SharingInvitationCreated ×1).",
      ],
    });
    const signals = await storedSignals(first.runId);
    expect(signals.map((s) => s.kind)).toEqual([
      "activity.file.downloadedFromDocumentSite",
      "activity.file.downloadedFromCloudStorage",
      "activity.file.sharedExternally",
      "activity.folder.sharedExternally",
      "activity.file.renamed",
      "activity.label.downgraded",
      "activity.file.copiedToRemovableMedia",
      "activity.file.printed",
      "activity.file.uploadedToCloud",
      "activity.security.dlpAlert",
      "activity.file.deleted",
    ]);
    expect(signals[6]).toEqual({
      kind: "activity.file.copiedToRemovableMedia",
      upn: "megan.bowen@contoso.com",
      attributes: {
        fileName: "Customers.csv",
        filePath: "C:\\Users\\megan\\Downloads\\Customers.csv",
        fileExtension: "csv",
        fileSize: 482133,
        sensitiveInfoTypes: ["Credit Card Number"],
        device: "LAPTOP-MB01.contoso.com",
        application: "explorer.exe",
        targetPath: "E:\\backup\\Customers.csv",
        mediaName: "Ultra USB 3.0",
        sourceOperation: "FileCopiedToRemovableMedia",
      },
    });
    expect(signals[5]?.attributes).toMatchObject({
      sensitivityLabel: "87867195-f2b8-4ac2-b0b6-6bb73cb33afc",
      previousSensitivityLabel: "d9f23ae3-a239-45ea-bf23-f515f824c57b",
    });
    const again = await send(connector.jobId, file);
    expect(again).toMatchObject({ recordsReceived: 15, recordsSaved: 0, recordsDuplicate: 11, recordsRejected: 0 });
  });

  it("Defender DeviceFileEvents CSV, and the same events as JSON are duplicates (one event ID from DeviceName, ReportId, Timestamp)", async () => {
    const csvText = example("defender-device-file-events.csv");
    const connector = await activityConnector("Defender file events", "defender-device-file-events", csvText);
    const first = await send(connector.jobId, csvText);
    expect(first).toMatchObject({ recordsReceived: 8, recordsSaved: 5, recordsRejected: 0, recordsDuplicate: 0 });
    expect(first.warnings).toEqual([
      "3 rows were skipped: records of imported operations that matched none of their conditions (FileCreated ×2, FileModified ×1).",
    ]);
    expect((await storedSignals(first.runId)).map((s) => s.kind)).toEqual([
      "activity.file.copiedToRemovableMedia",
      "activity.file.copiedToNetworkShare",
      "activity.file.archived",
      "activity.file.renamed",
      "activity.file.deleted",
    ]);
    const records = parse(csvText, { columns: true }) as Record<string, string>[];
    const asJson = await send(
      connector.jobId,
      JSON.stringify(
        records.map((r) => ({ ...r, FileSize: r.FileSize ? Number(r.FileSize) : null, ReportId: Number(r.ReportId) })),
      ),
    );
    expect(asJson).toMatchObject({ recordsReceived: 8, recordsSaved: 0, recordsDuplicate: 5, recordsRejected: 0 });
  });

  it("Defender DeviceEvents as a JSON array and as NDJSON", async () => {
    const text = example("defender-device-events.json");
    const connector = await activityConnector("Defender device events", "defender-device-events", text);
    const first = await send(connector.jobId, text);
    expect(first).toMatchObject({ recordsReceived: 10, recordsSaved: 7, recordsRejected: 0 });
    expect(first.warnings).toEqual([
      "3 records were skipped: operations this mapping does not import (BrowserLaunchedToOpenUrl ×1, ProcessCreatedUsingWmiQuery ×1); records of imported operations that matched none of their conditions (RemovableStorageFileEvent ×1).",
    ]);
    const signals = await storedSignals(first.runId);
    expect(signals.map((s) => s.kind)).toEqual([
      "activity.device.usbMounted",
      "activity.file.copiedToRemovableMedia",
      "activity.file.printed",
      "activity.security.unwantedSoftware",
      "activity.security.defenseEvasion",
      "activity.browsing.riskyWebsite",
      "activity.browsing.riskyWebsite",
    ]);
    expect(signals[5]?.attributes).toMatchObject({
      url: "http://free-movies.example.net/watch?id=1",
      destinationDomain: "free-movies.example.net",
      websiteCategory: "Malicious",
    });
    const again = await send(connector.jobId, ndjson(JSON.parse(text)));
    expect(again).toMatchObject({ recordsReceived: 10, recordsSaved: 0, recordsDuplicate: 7 });
  });

  it("Google Workspace Drive activities as NDJSON", async () => {
    const text = example("google-workspace-drive.ndjson");
    const connector = await activityConnector("Google Drive", "google-workspace-drive", text);
    const first = await send(connector.jobId, text);
    expect(first).toMatchObject({ recordsReceived: 9, recordsSaved: 6, recordsRejected: 0 });
    const signals = await storedSignals(first.runId);
    expect(signals.map((s) => s.kind)).toEqual([
      "activity.file.downloadedFromCloudStorage",
      "activity.file.sharedExternally",
      "activity.folder.sharedExternally",
      "activity.file.printed",
      "activity.file.renamed",
      "activity.file.deleted",
    ]);
    expect(signals[1]?.attributes).toEqual({
      fileName: "Pipeline.xlsx",
      fileExtension: "xlsx",
      sharedWith: ["pat@fabrikam.com"],
      sharingType: "shared_externally",
      destinationDomain: "fabrikam.com",
      sourceOperation: "change_user_access",
    });
    expect(await send(connector.jobId, text)).toMatchObject({ recordsSaved: 0, recordsDuplicate: 6 });
  });

  it("Okta System Log as a JSON array, then as NDJSON: duplicates by uuid", async () => {
    const text = example("okta-system-log.json");
    const connector = await activityConnector("Okta", "okta-system-log", text);
    const first = await send(connector.jobId, text);
    expect(first).toMatchObject({ recordsReceived: 6, recordsSaved: 3, recordsRejected: 0 });
    expect(first.warnings).toEqual([
      "3 records were skipped: operations this mapping does not import (user.authentication.auth_via_mfa ×1, user.session.start ×1); records of imported operations that matched none of their conditions (policy.evaluate_sign_on ×1).",
    ]);
    const signals = await storedSignals(first.runId);
    expect(signals).toEqual([
      expect.objectContaining({
        kind: "activity.cloud.appAnomaly",
        attributes: expect.objectContaining({ category: "Sign-on denied by policy" }),
      }),
      expect.objectContaining({
        kind: "activity.cloud.appAnomaly",
        attributes: expect.objectContaining({ category: "Threat detected" }),
      }),
      expect.objectContaining({
        kind: "activity.security.privilegeGranted",
        upn: "megan.bowen@contoso.com",
        attributes: expect.objectContaining({ initiatedBy: "it.admin@contoso.com" }),
      }),
    ]);
    const again = await send(connector.jobId, ndjson(JSON.parse(text)));
    expect(again).toMatchObject({ recordsReceived: 6, recordsSaved: 0, recordsDuplicate: 3 });
  });
});

describe("custom mappings and bad input", () => {
  const mailGateway = {
    name: "Mail gateway export",
    user: { path: "Sender", transform: ["lower"] },
    time: "SentAt",
    eventId: "MessageId",
    activity: {
      path: "Direction",
      map: {
        Outbound: [
          {
            when: {
              Attachments: { notIn: [0] },
              Recipients: { in: ["gmail.com", "outlook.com"], transform: ["split", "domain"] },
            },
            type: "email.sentToFreeDomain",
          },
          {
            when: {
              Attachments: { notIn: [0] },
              Recipients: { notIn: ["contoso.com"], transform: ["split", "domain"] },
            },
            type: "email.sentExternally",
          },
        ],
      },
    },
    attributes: {
      recipients: { path: "Recipients", transform: ["split"] },
      destinationDomain: { path: "Recipients", transform: ["split", "domain", "first"] },
      attachmentCount: "Attachments",
      subject: "Subject",
    },
  };
  const mailCsv = [
    "Sender,SentAt,MessageId,Direction,Recipients,Subject,Attachments",
    "Megan.Bowen@contoso.com,2025-03-07T09:00:00Z,<a1@contoso.com>,Outbound,megan.home@gmail.com,cv,1",
    "megan.bowen@contoso.com,2025-03-07T09:05:00Z,<a2@contoso.com>,Outbound,pat@fabrikam.com;alex@contoso.com,offer,2",
    "megan.bowen@contoso.com,2025-03-07T09:06:00Z,<a3@contoso.com>,Outbound,alex@contoso.com,lunch,1",
    "megan.bowen@contoso.com,2025-03-07T09:07:00Z,<a4@contoso.com>,Outbound,pat@fabrikam.com,big,many",
    "not-a-user,2025-03-07T09:08:00Z,<a5@contoso.com>,Outbound,pat@fabrikam.com,x,1",
    "",
  ].join("\n");

  it("a custom mapping document: e-mail to a free domain vs. to a partner; bad rows rejected alone", async () => {
    const connector = await activityConnector("Mail gateway", mailGateway, mailCsv);
    expect(connector.config).toMatchObject({ userColumn: "Sender", timeColumn: "SentAt" });
    const res = await send(connector.jobId, mailCsv);
    expect(res).toMatchObject({ recordsReceived: 5, recordsSaved: 2, recordsRejected: 2 });
    expect((await storedSignals(res.runId)).map((s) => [s.kind, s.attributes.destinationDomain])).toEqual([
      ["activity.email.sentToFreeDomain", "gmail.com"],
      ["activity.email.sentExternally", "fabrikam.com"],
    ]);
    expect(await rejections(res.runId)).toEqual([
      expect.objectContaining({
        line: 5,
        column: "Attachments",
        kind: "rejected",
        reason: "attachmentCount: 'many' is not a number.",
      }),
      expect.objectContaining({
        line: 6,
        column: "Sender",
        reason: "'not-a-user' is not a user principal name (name@domain).",
      }),
    ]);
  });

  it("a broken record among good ones (NDJSON) keeps the good ones and lists the bad one with its record number", async () => {
    const connector = await activityConnector("Okta with bad lines", "okta-system-log");
    const good = JSON.parse(example("okta-system-log.json")) as Record<string, any>[];
    const noUser = { ...good[3], uuid: "no-user", actor: { alternateId: "" } };
    const badTime = { ...good[3], uuid: "bad-time", published: "yesterday" };
    const text = `${ndjson(good.slice(0, 4))}{"eventType": "security.threat.detected", "actor": }\n${ndjson([noUser, badTime, good[4]])}`;
    const res = await send(connector.jobId, text);
    expect(res).toMatchObject({ recordsSaved: 3, recordsRejected: 3 });
    const rejected = await rejections(res.runId);
    expect(rejected.map((r) => [r.line, r.column])).toEqual([
      [5, null],
      [6, "actor.alternateId"],
      [7, "published"],
    ]);
    expect(rejected[0]?.reason).toMatch(/^the record is not valid JSON/);
    expect(rejected[1]?.reason).toBe("the value is empty; every record needs a user (user principal name).");
    expect(rejected[2]?.reason).toMatch(/^'yesterday' is not an ISO 8601 date and time/);
  });

  it("a CSV row whose AuditData is not valid JSON is rejected naming the column", async () => {
    const connector = await activityConnector("M365 bad row", "m365-audit-log");
    const lines = example("m365-audit-log.csv").split("\r\n");
    const broken = `r-x,2025-03-03T09:14:05Z,SharePointFileOperation,FileDownloaded,megan.bowen@contoso.com,"{""Workload"":",,`;
    const res = await send(connector.jobId, [lines[0], lines[1], broken, lines[2], ""].join("\r\n"));
    expect(res).toMatchObject({ recordsReceived: 3, recordsSaved: 2, recordsRejected: 1 });
    expect(await rejections(res.runId)).toEqual([
      expect.objectContaining({
        line: 3,
        column: "AuditData",
        reason: expect.stringMatching(/^the value is not valid JSON/),
      }),
    ]);
  });

  it("a file without a column the mapping needs is refused as a whole, naming the column", async () => {
    const connector = await activityConnector("M365 wrong file", "m365-audit-log");
    const res = await upload(server, {
      jobId: connector.jobId,
      token: app.token,
      content: "RecordId,CreationDate,Operations,UserId,AuditData\n1,2025-01-01,FileDownloaded,a@b.c,{}\n",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "Line 1: the file has no column 'Operation' (activity.path of the mapping); the whole file was refused. Did you mean 'Operations'? The header has: RecordId, CreationDate, Operations, UserId, AuditData.",
    );
  });

  it("refuses a mapping document with an unknown type, a bad path or a bad transform, naming the path in the document", async () => {
    const create = (activityMapping: unknown, sample?: string) =>
      server.request({
        method: "POST",
        url: "/api/connectors",
        payload: { type: "activity", name: "Bad", appId: app.clientId, activityMapping, ...(sample ? { sample } : {}) },
      });
    const badType = await create({
      ...mailGateway,
      activity: { path: "Direction", map: { Outbound: "email.sentExternaly" } },
      attributes: {},
    });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().detail).toBe(
      "activityMapping.activity.map.Outbound[0].type: 'email.sentExternaly' is not an activity type. Did you mean 'email.sentExternally'? The types are listed by GET /api/activity/types ('openirm activity types').",
    );
    const badPath = await create({ ...mailGateway, time: "Sent[At" });
    expect(badPath.json().detail).toMatch(
      /^activityMapping\.time\.path: 'Sent\[At' is not a valid path: a '\[' without its '\]'/,
    );
    const badTransform = await create({
      ...mailGateway,
      attributes: { subject: { path: "Subject", transform: ["lowr"] } },
    });
    expect(badTransform.json().detail).toMatch(
      /^activityMapping\.attributes\.subject\.transform\[0\]: 'lowr' is not a transform\. Did you mean 'lower'\?/,
    );
    const unknownId = await create("m365");
    expect(unknownId.json().detail).toMatch(/^activityMapping: 'm365' is not a ready-made mapping\./);
    const wrongSample = await create(mailGateway, mailCsv.replace("Recipients", "To"));
    expect(wrongSample.statusCode).toBe(400);
    expect(wrongSample.json().detail).toMatch(
      /^activityMapping\.attributes\.recipients: column 'Recipients' is not in the sample file\. The file has: Sender, SentAt, MessageId, Direction, To, Subject, Attachments\.$/,
    );
  });

  it("edits a connector's mapping to another document", async () => {
    const connector = await activityConnector("Editable", "okta-system-log");
    const res = await server.request({
      method: "PATCH",
      url: `/api/connectors/${connector.id}`,
      payload: { activityMapping: "google-workspace-drive" },
    });
    expect(res.statusCode, res.body).toBe(200);
    const uploaded = await send(connector.jobId, example("google-workspace-drive.ndjson"));
    expect(uploaded).toMatchObject({ recordsSaved: 6 });
    const renamed = await server.request({
      method: "PATCH",
      url: `/api/connectors/${connector.id}`,
      payload: { name: "Google Drive" },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().changed).toEqual(["name"]);
  });
});
