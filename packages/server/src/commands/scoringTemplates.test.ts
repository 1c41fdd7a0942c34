import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, minute, signalMaker, times } from "../../test/signals.ts";
import {
  insertConnector,
  insertDirectoryUser,
  insertSignals,
  startTestServer,
  TestClock,
  type TestServer,
} from "../../test/support.ts";

// Every template's triggering events, end to end: signals stored as connectors store them, one
// scoring run, and what an analyst then sees (alert or none, its score, why the user was brought
// in). Each policy covers only its own users, so that the templates do not meet.

const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));
let server: TestServer;
let activity: string;
let hrFeed: string;
let runSummary: Record<string, number>;

const db = () => server.services.db;
const users = new Map<string, string>();
const user = (name: string) => users.get(name) as string;
const upn = (name: string) => `${name}@contoso.com`;
const policies = new Map<string, string>();

const call = (method: "POST" | "PATCH", url: string, payload: unknown) => server.call(method, url, payload);
const signal = signalMaker({ hr: () => hrFeed, activity: () => activity, user });

const emailsToGmail = (name: string, day: string, n: number) =>
  times(n, (i) =>
    signal(name, "activity.email.sentToFreeDomain", minute(day, i), {
      subject: `Figures ${i}`,
      recipients: ["me.private@gmail.com"],
      destinationDomain: "gmail.com",
      fileName: `figures-${i}.xlsx`,
    }),
  );

const dlpAlert = (name: string, day: string, severity: string, policyName: string) =>
  signal(name, "activity.security.dlpAlert", at(day), {
    severity,
    policyName,
    alertTitle: "Card numbers sent by e-mail",
  });

const cloudDownloads = (name: string, day: string, n: number) =>
  times(n, (i) =>
    signal(name, "activity.file.downloadedFromCloudStorage", minute(day, i), {
      fileName: `plan-${i}.docx`,
      siteUrl: "https://contoso-my.sharepoint.com/personal/x",
    }),
  );

const usbCopies = (name: string, day: string, n: number) =>
  times(n, (i) =>
    signal(name, "activity.file.copiedToRemovableMedia", minute(day, i), {
      fileName: `design-${i}.dwg`,
      filePath: `E:\\designs\\design-${i}.dwg`,
      device: "LAPTOP-12",
    }),
  );

const securityAlert = (name: string, kind: "defenseEvasion" | "unwantedSoftware", time: string, status: string) =>
  signal(name, `activity.security.${kind}`, time, {
    triageStatus: status,
    alertTitle: kind === "defenseEvasion" ? "Antivirus disabled" : "Crypto miner installed",
    severity: "High",
    alertId: `${name}-${time}`,
  });

interface AlertRow {
  id: string;
  policy: string;
  score: number;
  severity: string;
  version: number;
  explanation: any;
}

async function alertsOf(name: string): Promise<AlertRow[]> {
  const { rows } = await db().query<AlertRow>(
    `SELECT a.id, p.name AS policy, a.score, a.severity, a.version, a.explanation
       FROM alerts a JOIN policies p ON p.id = a.policy_id WHERE a.user_id = $1 ORDER BY p.name`,
    [user(name)],
  );
  return rows;
}

async function onlyAlert(name: string): Promise<AlertRow> {
  const alerts = await alertsOf(name);
  expect(alerts, `${name} should have exactly one alert`).toHaveLength(1);
  return alerts[0]!;
}

async function membershipsOf(name: string): Promise<{ policy: string; reason: string }[]> {
  const { rows } = await db().query<{ policy: string; reason: string }>(
    `SELECT p.name AS policy, m.reason FROM policy_memberships m JOIN policies p ON p.id = m.policy_id
      WHERE m.user_id = $1 ORDER BY m.triggered_at`,
    [user(name)],
  );
  return rows;
}

async function insightsOf(name: string) {
  const { rows } = await db().query<{ day: string; value: number; score: number; severity: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, value, score, severity FROM insights WHERE user_id = $1 ORDER BY day`,
    [user(name)],
  );
  return rows;
}

/** An alert's insights in day order: indicator, day, value, score, severity. */
const shown = (alert: AlertRow) =>
  [...alert.explanation.insights]
    .sort((a: any, b: any) => a.day.localeCompare(b.day) || a.indicator.localeCompare(b.indicator))
    .map((i: any) => [i.kind, i.indicator, i.day, i.value, i.score, i.severity]);

const triggersOf = (alert: AlertRow) =>
  alert.explanation.triggers.map((t: any) => ({ kind: t.kind, event: t.event, reason: t.reason }));

const FREE_MAIL = "Sending e-mail with attachments to free public domains";
const USB = "Creating or copying files to USB";
const CLOUD = "Downloading content from cloud storage";

async function policy(name: string, body: Record<string, unknown>) {
  policies.set(name, (await call("POST", "/api/policies", { name, ...body })).id);
}

beforeAll(async () => {
  server = await startTestServer({ clock });
  activity = await insertConnector(db(), { name: "Activity", config: { columns: [] } });
  hrFeed = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
  for (const id of [
    "office.emailFreeDomain",
    "device.removableMediaCopy",
    "cloud.storageDownload",
    "security.defenseEvasion",
    "security.unwantedSoftware",
    "health.relatedPatientAccess",
    "health.restrictedRecordAccess",
    "browsing.malware",
    "browsing.phishing",
    "browsing.gambling",
    "physical.accessFinding",
  ]) {
    await call("PATCH", `/api/indicators/${id}`, { enabled: true });
  }
  // Security alerts resolved before they reach us are not imported.
  await call("PATCH", "/api/settings", { detections: { securityAlertStatuses: ["New", "InProgress"] } });
  await call("POST", "/api/settings/priority-physical-assets", { assetId: "Mid-Sec-7", name: "Server room" });

  const names = [
    ...["dana", "ed", "eve", "fay", "gus", "hal", "ian"],
    ...["pia", "rex", "gia", "ros", "dom", "cal"],
    ...["sam", "sid", "sol", "lea"],
    ...["nia", "ned", "noa", "bob", "bea", "ben", "bo"],
  ];
  for (const name of names) users.set(name, await insertDirectoryUser(db(), upn(name)));
  const only = (...list: string[]) => ({ users: list.map(upn) });
  const noExtras = { sequenceDetection: { enabled: false }, cumulativeExfiltration: { enabled: false } };

  await policy("Leaks: any DLP alert", {
    template: "data-leaks",
    scope: only("dana", "ed", "eve"),
    indicators: [{ indicatorId: "office.emailFreeDomain" }],
    ...noExtras,
  });
  await policy("Leaks: PCI DLP policy", {
    template: "data-leaks",
    scope: only("fay", "gus"),
    triggers: { dlpAlert: true, dlpPolicy: "PCI data" },
    indicators: [{ indicatorId: "office.emailFreeDomain" }],
    ...noExtras,
  });
  await policy("Leaks: USB copies", {
    template: "data-leaks",
    scope: { allUsers: true },
    triggers: { dlpAlert: false, indicators: [{ indicatorId: "device.removableMediaCopy" }] },
    indicators: [{ indicatorId: "device.removableMediaCopy", thresholds: { low: 2, medium: 5, high: 20 } }],
    ...noExtras,
  });
  await policy("Risky users", {
    template: "data-leaks-risky-users",
    scope: only("pia", "rex", "gia", "ros", "dom", "cal"),
    indicators: [{ indicatorId: "cloud.storageDownload", thresholds: { low: 1, medium: 3, high: 10 } }],
  });
  await policy("Security violations", {
    template: "security-policy-violations",
    scope: only("sam", "sid", "sol"),
    indicators: [{ indicatorId: "security.defenseEvasion" }],
  });
  await policy("Security: departing users", {
    template: "security-policy-violations-departing-users",
    scope: only("lea"),
    indicators: [{ indicatorId: "security.unwantedSoftware" }],
  });
  await policy("Patient data", {
    template: "patient-data-misuse",
    scope: only("nia", "ned", "noa"),
    indicators: [{ indicatorId: "health.relatedPatientAccess" }, { indicatorId: "health.restrictedRecordAccess" }],
  });
  await policy("Risky browsing", {
    template: "risky-browser-usage",
    scope: only("bob", "bea"),
    indicators: [{ indicatorId: "browsing.malware" }, { indicatorId: "browsing.phishing" }],
  });
  await policy("Departing: physical access", {
    template: "departing-users-data-theft",
    scope: only("ben", "bo"),
    indicators: [{ indicatorId: "physical.accessFinding" }],
  });

  const hr = (name: string, kind: string, day: string, attributes: Record<string, unknown>) =>
    signal(name, kind, at(day, "08:00:00"), attributes);
  await insertSignals(db(), [
    // Data leaks: DLP alerts of each severity and DLP policy, then e-mail to free domains.
    dlpAlert("dana", "2026-11-10", "High", "PCI data"),
    ...emailsToGmail("dana", "2026-11-12", 7),
    dlpAlert("ed", "2026-11-10", "Medium", "PCI data"),
    ...emailsToGmail("ed", "2026-11-12", 7),
    // E-mail 16 and 7 days before the trigger: only the last 10 days of e-mail count.
    dlpAlert("eve", "2026-11-10", "High", "PCI data"),
    ...emailsToGmail("eve", "2026-10-25", 7),
    ...emailsToGmail("eve", "2026-11-03", 7),
    dlpAlert("fay", "2026-11-10", "High", "HR data"),
    ...emailsToGmail("fay", "2026-11-12", 7),
    dlpAlert("gus", "2026-11-10", "High", "PCI Data"),
    ...emailsToGmail("gus", "2026-11-12", 7),
    // Data leaks by activity: 12 USB copies reach the trigger threshold (10), 6 do not.
    ...usbCopies("hal", "2026-11-14", 12),
    ...usbCopies("ian", "2026-11-14", 6),
    // Risky users: HR stressors, then downloads from cloud storage.
    hr("pia", "hr.performance_improvement_plan", "2026-11-05", { EffectiveDate: "2026-11-05" }),
    hr("rex", "hr.performance_review", "2026-11-05", { EffectiveDate: "2026-11-05", Rating: "2 - Below expectations" }),
    hr("gia", "hr.performance_review", "2026-11-05", {
      EffectiveDate: "2026-11-05",
      Rating: "4 - Exceeds expectations",
    }),
    hr("ros", "hr.job_level_change", "2026-11-05", {
      EffectiveDate: "2026-11-05",
      OldLevel: "Level 60",
      NewLevel: "Level 62",
    }),
    hr("dom", "hr.job_level_change", "2026-11-05", {
      EffectiveDate: "2026-11-05",
      OldLevel: "Level 62",
      NewLevel: "Level 59",
    }),
    signal("cal", "activity.communication.complianceMatch", at("2026-11-06"), {
      policyName: "Threats",
      category: "Threat",
      subject: "You will regret this",
    }),
    ...["pia", "rex", "gia", "ros", "dom", "cal"].flatMap((name) => cloudDownloads(name, "2026-11-09", 4)),
    // Security: alerts of imported and not imported triage statuses.
    securityAlert("sam", "defenseEvasion", at("2026-11-15", "09:00:00"), "New"),
    securityAlert("sam", "defenseEvasion", at("2026-11-15", "09:30:00"), "InProgress"),
    securityAlert("sid", "defenseEvasion", at("2026-11-15", "09:00:00"), "Resolved"),
    securityAlert("sid", "defenseEvasion", at("2026-11-15", "09:30:00"), "Resolved"),
    securityAlert("sol", "defenseEvasion", at("2026-11-15", "09:00:00"), "New"),
    securityAlert("sol", "defenseEvasion", at("2026-11-15", "09:30:00"), "Resolved"),
    securityAlert("sol", "defenseEvasion", at("2026-11-15", "10:00:00"), "Resolved"),
    hr("lea", "hr.resignation", "2026-11-02", { ResignationDate: "2026-11-02", LastWorkingDate: "2026-11-30" }),
    securityAlert("lea", "unwantedSoftware", at("2026-11-16", "09:00:00"), "New"),
    securityAlert("lea", "unwantedSoftware", at("2026-11-16", "11:00:00"), "New"),
    // Patient data: related patients, restricted records, ordinary views.
    ...times(2, (i) =>
      signal("nia", "health.related_patient_access", minute("2026-11-17", i), {
        patientMatch: "address",
        patientId: `P-${i}`,
      }),
    ),
    ...times(3, (i) =>
      signal("ned", "health.record_access", minute("2026-11-17", i), {
        restricted: true,
        action: "view",
        patientId: `P-${i}`,
      }),
    ),
    ...times(5, (i) =>
      signal("noa", "health.record_access", minute("2026-11-17", i), {
        restricted: false,
        action: "view",
        patientId: `P-${i}`,
      }),
    ),
    // Risky browsing: malware (selected by the policy) and gambling (turned on, not selected).
    ...times(3, (i) =>
      signal("bob", "activity.browsing.riskyWebsite", minute("2026-11-18", i), {
        websiteCategory: "Malware",
        url: `http://bad${i}.example/x`,
        destinationDomain: `bad${i}.example`,
      }),
    ),
    ...times(5, (i) =>
      signal("bea", "activity.browsing.riskyWebsite", minute("2026-11-18", i), {
        websiteCategory: "Gambling",
        url: `http://bet${i}.example/`,
        destinationDomain: `bet${i}.example`,
      }),
    ),
    // Physical access: badge use after the last working day, failed access to a priority asset.
    hr("ben", "hr.resignation", "2026-11-01", { ResignationDate: "2026-11-01", LastWorkingDate: "2026-11-10" }),
    signal("ben", "physical.access", at("2026-11-05"), { AssetId: "Lobby-1", AccessStatus: "Success" }),
    signal("ben", "physical.access", at("2026-11-12", "07:00:00"), { AssetId: "Lobby-1", AccessStatus: "Success" }),
    signal("ben", "physical.access", at("2026-11-12", "19:00:00"), { AssetId: "Lobby-1", AccessStatus: "Success" }),
    hr("bo", "hr.resignation", "2026-11-01", { ResignationDate: "2026-11-01", LastWorkingDate: "2026-12-31" }),
    signal("bo", "physical.access", at("2026-11-13", "22:00:00"), { AssetId: "MID-SEC-7", AccessStatus: "Failed" }),
    signal("bo", "physical.access", at("2026-11-13", "22:05:00"), { AssetId: "mid-sec-7", AccessStatus: "Failed" }),
    signal("bo", "physical.access", at("2026-11-13", "08:00:00"), { AssetId: "Lobby-1", AccessStatus: "Success" }),
  ]);
  runSummary = await call("POST", "/api/scoring/run", {});
});
afterAll(async () => server.close());

describe("Data leaks: DLP alerts as triggers", () => {
  it("a High DLP alert brings the user in and their e-mail to free domains is scored", async () => {
    const alert = await onlyAlert("dana");
    expect(alert.policy).toBe("Leaks: any DLP alert");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "activity.security.dlpAlert",
        event: "dlpAlert",
        reason: "High-severity DLP alert 'Card numbers sent by e-mail' on 2026-11-10",
      },
    ]);
    // 7 e-mails against the default thresholds 3 / 6 / 10: 34 + 33 · 1/4.
    expect(shown(alert)).toEqual([["indicator", FREE_MAIL, "2026-11-12", 7, 42.25, "Medium"]]);
    expect(alert).toMatchObject({ score: 42.25, severity: "Medium", version: 1 });
    expect(alert.explanation.riskFactors).toEqual([]);
    // The USB policy covers everyone but has its DLP trigger off: Dana is not in it.
    expect((await membershipsOf("dana")).map((m) => m.policy)).toEqual(["Leaks: any DLP alert"]);
  });

  it("e-mail activity is scored at most 10 days before the trigger (emailPastActivityDays)", async () => {
    const alert = await onlyAlert("eve");
    expect(shown(alert)).toEqual([["indicator", FREE_MAIL, "2026-11-03", 7, 42.25, "Medium"]]);
  });

  it("a Medium DLP alert does not bring the user in", async () => {
    expect(await membershipsOf("ed")).toEqual([]);
    expect(await alertsOf("ed")).toEqual([]);
  });

  it("with triggers.dlpPolicy set, only that DLP policy's alerts trigger (its name in any case)", async () => {
    expect(await membershipsOf("fay")).toEqual([]);
    expect(await alertsOf("fay")).toEqual([]);
    const alert = await onlyAlert("gus");
    expect(alert.policy).toBe("Leaks: PCI DLP policy");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "activity.security.dlpAlert",
        event: "dlpAlert",
        reason: "High-severity DLP alert 'Card numbers sent by e-mail' on 2026-11-10",
      },
    ]);
    expect(shown(alert)).toEqual([["indicator", FREE_MAIL, "2026-11-12", 7, 42.25, "Medium"]]);
  });
});

describe("Data leaks: a built-in trigger indicator", () => {
  it("a day above the indicator's trigger threshold brings in any user, without an HR event", async () => {
    const alert = await onlyAlert("hal");
    expect(alert.policy).toBe("Leaks: USB copies");
    const [trigger] = alert.explanation.triggers;
    expect(trigger).toMatchObject({
      kind: "indicator",
      indicator: USB,
      indicatorId: "0b1e0000-0000-4000-8000-000000000020",
      day: "2026-11-14",
      value: 12,
      at: "2026-11-14T10:00:00.000000Z",
    });
    // 12 files against 2 / 5 / 20: 34 + 33 · 7/15.
    expect(shown(alert)).toEqual([["indicator", USB, "2026-11-14", 12, 49.4, "Medium"]]);
  });

  it("without a threshold, the catalog's default trigger threshold (10 files) applies, not any event", async () => {
    // The policy answer says the trigger fires at 10 (effectiveThreshold) …
    const res = await server.request({ method: "GET", url: `/api/policies/${policies.get("Leaks: USB copies")}` });
    expect(res.json().triggers.indicators[0]).toMatchObject({ threshold: null, effectiveThreshold: 10 });
    // … so 6 copies in a day do not bring Ian in, and Hal's trigger names the threshold it reached.
    expect(await membershipsOf("ian")).toEqual([]);
    expect(await alertsOf("ian")).toEqual([]);
    const [trigger] = (await onlyAlert("hal")).explanation.triggers;
    expect(trigger.reason).toBe(`Indicator '${USB}' reached 12 on 2026-11-14 (threshold 10)`);
  });
});

describe("Data leaks by risky users: HR stressors", () => {
  it("a performance improvement plan brings the user in and their downloads are scored", async () => {
    const alert = await onlyAlert("pia");
    expect(alert.policy).toBe("Risky users");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "hr.performance_improvement_plan",
        event: "hrImprovementPlan",
        reason: "HR performance improvement plan effective 2026-11-05",
      },
    ]);
    // 4 files against 1 / 3 / 10: 34 + 33 · 1/7.
    expect(shown(alert)).toEqual([["indicator", CLOUD, "2026-11-09", 4, 38.71, "Medium"]]);
  });

  it("a poor performance review triggers; a good one does not", async () => {
    const alert = await onlyAlert("rex");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "hr.performance_review",
        event: "hrPerformanceReview",
        reason: "HR performance review on 2026-11-05 rated '2 - Below expectations' (poor)",
      },
    ]);
    expect(shown(alert)).toEqual([["indicator", CLOUD, "2026-11-09", 4, 38.71, "Medium"]]);
    expect(await membershipsOf("gia")).toEqual([]);
    expect(await alertsOf("gia")).toEqual([]);
  });

  it("a promotion does not trigger; a demotion does", async () => {
    expect(await membershipsOf("ros")).toEqual([]);
    expect(await alertsOf("ros")).toEqual([]);
    const alert = await onlyAlert("dom");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "hr.job_level_change",
        event: "hrJobLevelChange",
        reason: "HR job level change on 2026-11-05: demotion from 'Level 62' to 'Level 59'",
      },
    ]);
    expect(alert).toMatchObject({ score: 38.71, severity: "Medium" });
  });

  it("a communication compliance match triggers too", async () => {
    const alert = await onlyAlert("cal");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "activity.communication.complianceMatch",
        event: "communicationCompliance",
        reason: "Communication compliance match 'Threats' on 2026-11-06",
      },
    ]);
    expect(shown(alert)).toEqual([["indicator", CLOUD, "2026-11-09", 4, 38.71, "Medium"]]);
  });
});

describe("Security policy violations", () => {
  it("a defence evasion alert brings the user in and the security indicator scores the day", async () => {
    const alert = await onlyAlert("sam");
    expect(alert.policy).toBe("Security violations");
    expect(triggersOf(alert)).toEqual([
      {
        kind: "activity.security.defenseEvasion",
        event: "securityAlert",
        reason: "Security alert (defence evasion) 'Antivirus disabled' on 2026-11-15",
      },
      {
        kind: "activity.security.defenseEvasion",
        event: "securityAlert",
        reason: "Security alert (defence evasion) 'Antivirus disabled' on 2026-11-15",
      },
    ]);
    // Two alerts against the default 1 / 2 / 3.
    expect(shown(alert)).toEqual([
      ["indicator", "Defence evasion: attempt to bypass security controls", "2026-11-15", 2, 34, "Medium"],
    ]);
  });

  it("alerts of a triage status the tenant does not import do not trigger", async () => {
    expect(await membershipsOf("sid")).toEqual([]);
    expect(await alertsOf("sid")).toEqual([]);
  });

  it("alerts of a triage status the tenant does not import are not scored either", async () => {
    // Sol's New alert brings her in; her two Resolved alerts that day are not imported, so the day
    // counts 1 alert (Low 15, below the alert volume) rather than 3 (High).
    expect((await membershipsOf("sol")).map((m) => m.policy)).toEqual(["Security violations"]);
    expect(await insightsOf("sol")).toEqual([{ day: "2026-11-15", value: 1, score: 15, severity: "Low" }]);
    expect(await alertsOf("sol")).toEqual([]);
  });

  it("departing users: a resignation brings the user in, then unwanted software is scored", async () => {
    const alert = await onlyAlert("lea");
    expect(alert.policy).toBe("Security: departing users");
    expect(triggersOf(alert)).toEqual([
      { kind: "hr.resignation", event: "hrResignation", reason: "HR resignation dated 2026-11-02" },
    ]);
    expect(shown(alert)).toEqual([
      ["indicator", "Unwanted software: unapproved or malicious software", "2026-11-16", 2, 34, "Medium"],
    ]);
  });
});

describe("Patient data misuse", () => {
  it("access to a related patient's record brings the user in and is scored", async () => {
    const alert = await onlyAlert("nia");
    expect(alert.policy).toBe("Patient data");
    expect(triggersOf(alert)[0]).toEqual({
      kind: "health.related_patient_access",
      event: "healthRecordAccess",
      reason: "Record of a related patient (address match) accessed on 2026-11-17",
    });
    expect(shown(alert)).toEqual([
      ["indicator", "Accessing records of family members, neighbours or co-workers", "2026-11-17", 2, 34, "Medium"],
    ]);
  });

  it("a restricted record access triggers and is scored; an ordinary view does not trigger", async () => {
    const alert = await onlyAlert("ned");
    expect(triggersOf(alert)[0]).toEqual({
      kind: "health.record_access",
      event: "healthRecordAccess",
      reason: "Restricted patient record accessed on 2026-11-17",
    });
    // 3 restricted accesses against the default 1 / 3 / 5.
    expect(shown(alert)).toEqual([
      ["indicator", "Accessing restricted patient records", "2026-11-17", 3, 34, "Medium"],
    ]);
    expect(await membershipsOf("noa")).toEqual([]);
    expect(await alertsOf("noa")).toEqual([]);
  });
});

describe("Risky browser usage", () => {
  it("a visit matching a selected browsing indicator triggers and is scored", async () => {
    const alert = await onlyAlert("bob");
    expect(alert.policy).toBe("Risky browsing");
    expect(triggersOf(alert)[0]).toEqual({
      kind: "activity.browsing.riskyWebsite",
      event: "riskyBrowsing",
      reason: "Risky website visited (Malware) on 2026-11-18",
    });
    expect(shown(alert)).toEqual([
      ["indicator", "Browsed to malware or keylogger websites", "2026-11-18", 3, 34, "Medium"],
    ]);
  });

  it("a category the policy does not select does not trigger, even when its indicator is on", async () => {
    expect(await membershipsOf("bea")).toEqual([]);
    expect(await alertsOf("bea")).toEqual([]);
  });
});

describe("Departing users: physical access", () => {
  const PHYSICAL = "Physical access after termination or failed access to sensitive asset";

  it("badge access after the last working date is scored; access before it is not", async () => {
    const alert = await onlyAlert("ben");
    expect(alert.policy).toBe("Departing: physical access");
    expect(triggersOf(alert)).toEqual([
      { kind: "hr.resignation", event: "hrResignation", reason: "HR resignation dated 2026-11-01" },
    ]);
    expect(shown(alert)).toEqual([["indicator", PHYSICAL, "2026-11-12", 2, 34, "Medium"]]);
  });

  it("failed access to a priority asset (matched in any case) is scored; an ordinary door is not", async () => {
    const alert = await onlyAlert("bo");
    expect(shown(alert)).toEqual([["indicator", PHYSICAL, "2026-11-13", 2, 34, "Medium"]]);
    expect(alert.explanation.insights[0].eventCount).toBe(2);
  });

  it("the alert page lists the badge events the indicator counted, not the unremarkable ones", async () => {
    const alert = await onlyAlert("bo");
    const res = await server.request({ method: "GET", url: `/api/alerts/${alert.id}` });
    const [insight] = res.json().insights;
    expect(insight.eventCount).toBe(2);
    expect(insight.signals.map((s: any) => s.attributes.AssetId)).toEqual(["MID-SEC-7", "mid-sec-7"]);
    expect(insight.signalCount).toBe(2);
  });
});

describe("rescoring", () => {
  it("a second run over the same evidence changes nothing", async () => {
    expect(runSummary).toMatchObject({ alertsUpdated: 0, alertsHeldBack: 0 });
    const before = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM alerts");
    expect(before.rows[0]!.n).toBe(runSummary.alertsCreated);
    const again = await call("POST", "/api/scoring/run", {});
    expect(again).toMatchObject({ alertsCreated: 0, alertsUpdated: 0, alertsHeldBack: 0 });
    const { rows } = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM alert_versions WHERE version > 1");
    expect(rows[0]!.n).toBe(0);
  });
});
