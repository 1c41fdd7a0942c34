import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertConnector,
  insertDirectoryUser,
  insertSignals,
  startTestServer,
  TestClock,
  type TestServer,
} from "../../test/support.ts";

// Built-in indicators scored from activity signals for a departing user, and the tenant's
// intelligent-detection exclusions (file paths, allowed domains) removing events from the totals.

const clock = new TestClock(new Date("2023-06-01T08:00:00.000Z"));
let server: TestServer;
let activity: string;
let hrFeed: string;
let alex: string;
let bea: string;
let carl: string;
let policy: string;

const USB = "Creating or copying files to USB";
const SHARED = "Sharing files with people outside the organisation";

const db = () => server.services.db;

const call = (method: "POST" | "PATCH", url: string, payload: unknown) => server.call(method, url, payload);

const resignation = (userId: string, at: string) => ({
  connectorId: hrFeed,
  userId,
  occurredAt: at,
  kind: "hr.resignation",
  attributes: { ResignationDate: at },
});

const usbCopy = (userId: string, at: string, filePath: string) => ({
  connectorId: activity,
  userId,
  occurredAt: at,
  kind: "activity.file.copiedToRemovableMedia",
  attributes: { fileName: filePath.split("\\").pop(), filePath, device: "LAPTOP-7", mediaName: "SanDisk Ultra" },
});

const share = (userId: string, at: string, fileName: string, destinationDomain: string) => ({
  connectorId: activity,
  userId,
  occurredAt: at,
  kind: "activity.file.sharedExternally",
  attributes: {
    fileName,
    filePath: `https://contoso.sharepoint.com/sites/sales/Shared Documents/${fileName}`,
    siteUrl: "https://contoso.sharepoint.com/sites/sales",
    destinationDomain,
    sharingType: "guest",
  },
});

async function alertOf(userId: string) {
  const { rows } = await db().query<{ score: number; severity: string; version: number; explanation: any }>(
    "SELECT score, severity, version, explanation FROM alerts WHERE user_id = $1",
    [userId],
  );
  return rows;
}

/** The alert's insights in day order (the explanation ranks them by contribution). */
const insightsOf = (alert: { explanation: any }) =>
  [...alert.explanation.insights]
    .sort((a: any, b: any) => a.day.localeCompare(b.day))
    .map((i: any) => [i.indicator, i.day, i.value, i.eventCount, i.thresholds]);

beforeAll(async () => {
  server = await startTestServer({ clock });
  activity = await insertConnector(db(), { name: "Endpoint activity", config: { columns: [] } });
  hrFeed = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
  // Alert volume "more": Alex's only day scores 24.5 (Low), below the default volume's line of 25.
  await call("PATCH", "/api/settings", { detections: { alertVolume: "more" } });
  for (const id of ["device.removableMediaCopy", "office.fileSharedExternally"]) {
    await call("PATCH", `/api/indicators/${id}`, { enabled: true });
  }
  policy = (
    await call("POST", "/api/policies", {
      name: "Departing staff exfiltration",
      template: "departing-users-data-theft",
      scope: { allUsers: true },
      triggers: { hrResignation: true },
      indicators: [
        { indicatorId: "device.removableMediaCopy", thresholds: { low: 2, medium: 4, high: 6 } },
        { indicatorId: "office.fileSharedExternally", thresholds: { low: 1, medium: 3, high: 5 } },
      ],
    })
  ).id;
  alex = await insertDirectoryUser(db(), "alexw@contoso.com", "Alex Wilber");
  bea = await insertDirectoryUser(db(), "bead@contoso.com", "Bea Diaz");
  carl = await insertDirectoryUser(db(), "carlm@contoso.com", "Carl Moss");
  await insertSignals(db(), [
    resignation(alex, "2023-04-23T09:00:00.000000Z"),
    usbCopy(alex, "2023-04-24T09:10:00.000000Z", "D:\\Sales\\pipeline.xlsx"),
    usbCopy(alex, "2023-04-24T09:11:00.000000Z", "D:\\Sales\\customers.xlsx"),
    usbCopy(alex, "2023-04-24T09:12:00.000000Z", "D:\\Sales\\pricing.docx"),
    usbCopy(alex, "2023-04-24T09:13:00.000000Z", "d:\\sales\\PRICING.docx"), // the same file again
    usbCopy(alex, "2022-12-01T09:00:00.000000Z", "D:\\Old\\a.docx"), // before the window
    // Bea's events include some the exclusions set below remove.
    resignation(bea, "2023-05-02T09:00:00.000000Z"),
    usbCopy(bea, "2023-05-03T10:00:00.000000Z", "D:\\Projects\\roadmap.pptx"),
    usbCopy(bea, "2023-05-03T10:01:00.000000Z", "D:\\Projects\\budget.xlsx"),
    usbCopy(bea, "2023-05-03T10:02:00.000000Z", "E:\\Staging\\backup.zip"),
    share(bea, "2023-05-04T08:00:00.000000Z", "roadmap.pptx", "gmail.com"),
    share(bea, "2023-05-04T08:05:00.000000Z", "budget.xlsx", "fabrikam.com"),
    share(bea, "2023-05-04T08:06:00.000000Z", "forecast.xlsx", "fabrikam.com"),
    // Carl copies a lot but has not resigned.
    ...Array.from({ length: 8 }, (_, i) => usbCopy(carl, "2023-05-03T10:00:00.000000Z", `D:\\x\\f${i}.docx`)),
  ]);
});
afterAll(async () => server.close());

describe("scoring built-in indicators from activity signals", () => {
  it("raises an alert whose explanation names the built-in indicator and the day's count of distinct files", async () => {
    await call("POST", "/api/scoring/run", {});
    const alerts = await alertOf(alex);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert!.explanation.policy.id).toBe(policy);
    expect(insightsOf(alert!)).toEqual([[USB, "2023-04-24", 3, 4, { low: 2, medium: 4, high: 6 }]]);
    expect(alert!.explanation.insights[0].indicatorId).toBe("0b1e0000-0000-4000-8000-000000000020");
    expect(alert!.severity).toBe("Low");
    expect(await alertOf(carl)).toEqual([]);
  });

  it("counts every event before the tenant excludes any", async () => {
    const [alert] = await alertOf(bea);
    expect(insightsOf(alert!)).toEqual([
      [USB, "2023-05-03", 3, 3, { low: 2, medium: 4, high: 6 }],
      [SHARED, "2023-05-04", 3, 3, { low: 1, medium: 3, high: 5 }],
    ]);
  });

  it("leaves out events under an excluded file path and to an allowed destination domain", async () => {
    await call("PATCH", "/api/settings", {
      detections: { filePathExclusions: ["E:\\Staging"], domains: { allowed: ["fabrikam.com"] } },
    });
    await call("POST", "/api/scoring/run", {});
    const [alert] = await alertOf(bea);
    expect(alert!.version).toBe(2);
    expect(insightsOf(alert!)).toEqual([
      [USB, "2023-05-03", 2, 2, { low: 2, medium: 4, high: 6 }],
      [SHARED, "2023-05-04", 1, 1, { low: 1, medium: 3, high: 5 }],
    ]);
    const insights = await db().query<{ value: number }>("SELECT value FROM insights WHERE user_id = $1 ORDER BY day", [
      bea,
    ]);
    expect(insights.rows).toEqual([{ value: 2 }, { value: 1 }]);
    // Alex's activity is not excluded: his alert stays as it was.
    const [alexAlert] = await alertOf(alex);
    expect(alexAlert!.version).toBe(1);
  });

  it("refuses to turn off a scored built-in indicator while the policy selects it", async () => {
    const res = await server.request({
      method: "PATCH",
      url: "/api/indicators/office.fileSharedExternally",
      payload: { enabled: false },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toContain("Departing staff exfiltration");
  });
});
