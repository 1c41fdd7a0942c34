import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, minute, signalMaker, times } from "../../test/signals.ts";
import {
  insertConnector,
  insertDirectoryUser,
  insertSignals,
  signInAdmin,
  signInAs,
  startTestServer,
  TestClock,
  type TestServer,
  type TestSignal,
} from "../../test/support.ts";

// The detections of the new scorer end to end: sequences as triggers, cumulative exfiltration
// against the department, priority user groups and priority content as boosters, manual scoping
// and removal from scoring, and rescoring the same evidence.

const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));
let server: TestServer;
let activity: string;
let hrFeed: string;
let firstRun: Record<string, number>;

const db = () => server.services.db;
const users = new Map<string, string>();
const user = (name: string) => users.get(name) as string;
const upn = (name: string) => `${name}@contoso.com`;

/** The admin's token once the clock has moved past the first session. */
let token: string | undefined;

const call = (method: "POST" | "PATCH", url: string, payload: unknown) => server.call(method, url, payload, token);

const run = () => call("POST", "/api/scoring/run", {});
const dayBefore = (days: number) => new Date(clock.now().getTime() - days * 86_400_000).toISOString().slice(0, 10);

const signal = signalMaker({ hr: () => hrFeed, activity: () => activity, user });

const dlpAlert = (name: string, day: string) =>
  signal(name, "activity.security.dlpAlert", at(day), { severity: "High", policyName: "PCI data" });

const externalEmails = (name: string, day: string, n: number, label?: (i: number) => string | undefined) =>
  times(n, (i) =>
    signal(name, "activity.email.sentExternally", minute(day, i), {
      subject: `Offer ${i}`,
      recipients: ["buyer@fabrikam.com"],
      destinationDomain: "fabrikam.com",
      fileName: `offer-${day}-${i}.pdf`,
      ...(label?.(i) ? { sensitivityLabel: label(i) } : {}),
    }),
  );

/** One file's chain: downloaded from a document site, renamed, uploaded through a browser, deleted. */
function theftChain(name: string, file: number, days: [string, string, string, string]): TestSignal[] {
  const original = `Q4-forecast-${file}.xlsx`;
  const disguised = `holiday-${file}.jpg`;
  const time = `09:0${file}:00`;
  return [
    signal(name, "activity.file.downloadedFromDocumentSite", at(days[0], time), {
      fileName: original,
      siteUrl: "https://contoso.sharepoint.com/sites/finance",
    }),
    signal(name, "activity.file.renamed", at(days[1], time), { fileName: disguised, previousFileName: original }),
    signal(name, "activity.file.uploadedToCloud", at(days[2], time), {
      fileName: disguised,
      destinationDomain: "dropbox.com",
    }),
    signal(name, "activity.file.deleted", at(days[3], time), { fileName: disguised }),
  ];
}

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

async function alertIn(name: string, policy: string): Promise<AlertRow> {
  const found = (await alertsOf(name)).filter((a) => a.policy === policy);
  expect(found, `${name} should have one alert in '${policy}'`).toHaveLength(1);
  return found[0]!;
}

async function membershipsOf(name: string) {
  const { rows } = await db().query<{ policy: string; reason: string }>(
    `SELECT p.name AS policy, m.reason FROM policy_memberships m JOIN policies p ON p.id = m.policy_id
      WHERE m.user_id = $1 ORDER BY m.triggered_at`,
    [user(name)],
  );
  return rows;
}

async function storedInsights(name: string) {
  const { rows } = await db().query<{ kind: string; day: string; value: number; base_score: number; score: number }>(
    `SELECT kind, to_char(day, 'YYYY-MM-DD') AS day, value, base_score, score FROM insights WHERE user_id = $1 ORDER BY day`,
    [user(name)],
  );
  return rows;
}

const SEQUENCE_NAME = "Download from a document site or cloud storage, obfuscate, exfiltrate, then delete";
const EXTERNAL = "Sending e-mail with attachments outside the organisation";
const noBoosters = {
  unusualActivity: false,
  confirmedViolationHistory: false,
  priorityUserGroup: false,
  potentialHighImpactUser: false,
};
const noExtras = { sequenceDetection: { enabled: false }, cumulativeExfiltration: { enabled: false } };
/** Thresholds under which 4 events score 40 (Medium): 34 + 33 · 2/11. */
const FOUR_IS_40 = { low: 1, medium: 2, high: 13 };

beforeAll(async () => {
  server = await startTestServer({ clock });
  activity = await insertConnector(db(), { name: "Activity", config: { columns: [] } });
  hrFeed = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
  for (const id of ["device.browserUpload", "device.removableMediaCopy", "office.emailExternal", "device.print"]) {
    await call("PATCH", `/api/indicators/${id}`, { enabled: true });
  }
  const finance = Array.from({ length: 20 }, (_, i) => `fin${String(i + 1).padStart(2, "0")}`);
  for (const name of ["seqa", "seqb", "seqc", "cumx", ...finance, "vip", "lab", "ula", "rep", "man"]) {
    users.set(name, await insertDirectoryUser(db(), upn(name)));
  }
  await db().query("UPDATE directory_users SET department = 'Finance' WHERE id = ANY($1::uuid[])", [
    ["cumx", ...finance].map(user),
  ]);
  await call("PATCH", "/api/settings", { detections: { domains: { unallowed: ["mega.nz"] } } });
  const group = await call("POST", "/api/priority-user-groups", {
    name: "Executives",
    viewers: { accounts: ["admin"] },
    members: [upn("vip")],
  });

  await call("POST", "/api/policies", {
    name: "Leaks: sequences",
    template: "data-leaks",
    scope: { users: [upn("seqa"), upn("seqb")] },
    triggers: { dlpAlert: false, sequences: true },
    indicators: [{ indicatorId: "device.browserUpload" }],
    sequenceDetection: { enabled: true },
    cumulativeExfiltration: { enabled: false },
    boosters: noBoosters,
  });
  await call("POST", "/api/policies", {
    name: "Leaks: cumulative",
    template: "data-leaks",
    scope: { users: [upn("cumx"), upn("fin01")] },
    indicators: [{ indicatorId: "device.removableMediaCopy" }],
    sequenceDetection: { enabled: false },
    cumulativeExfiltration: { enabled: true },
    boosters: noBoosters,
  });
  await call("POST", "/api/policies", {
    name: "Leaks: priority users",
    template: "data-leaks-priority-users",
    scope: { priorityUserGroups: [group.id] },
    indicators: [{ indicatorId: "office.emailExternal", thresholds: FOUR_IS_40 }],
    boosters: { ...noBoosters, priorityUserGroup: true },
    ...noExtras,
  });
  const priorityContent = { sensitivityLabels: ["Highly Confidential"] };
  await call("POST", "/api/policies", {
    name: "Leaks: priority content",
    template: "data-leaks",
    scope: { users: [upn("lab"), upn("ula"), upn("rep")] },
    indicators: [{ indicatorId: "office.emailExternal", thresholds: FOUR_IS_40 }],
    priorityContent,
    boosters: noBoosters,
    ...noExtras,
  });
  await call("POST", "/api/policies", {
    name: "Leaks: priority content only",
    template: "data-leaks",
    scope: { users: [upn("lab")] },
    indicators: [{ indicatorId: "office.emailExternal", thresholds: FOUR_IS_40 }],
    priorityContent,
    scoreOnlyPriorityContent: true,
    boosters: noBoosters,
    ...noExtras,
  });
  await call("POST", "/api/policies", {
    name: "Leaks: repeat offenders",
    template: "data-leaks",
    scope: { users: [upn("rep")] },
    indicators: [{ indicatorId: "office.emailExternal", thresholds: FOUR_IS_40 }],
    boosters: { ...noBoosters, confirmedViolationHistory: true },
    ...noExtras,
  });
  await call("POST", "/api/policies", {
    name: "Departing: sequences on the finance site",
    template: "departing-users-data-theft",
    scope: { users: [upn("seqc")] },
    indicators: [{ indicatorId: "device.browserUpload" }],
    priorityContent: { sites: ["https://contoso.sharepoint.com/sites/finance"] },
    sequenceDetection: { enabled: true },
    cumulativeExfiltration: { enabled: false },
    boosters: noBoosters,
  });
  await call("POST", "/api/policies", {
    name: "Departing: printing",
    template: "departing-users-data-theft",
    scope: { users: [upn("man")] },
    indicators: [{ indicatorId: "device.print", thresholds: FOUR_IS_40 }],
    boosters: noBoosters,
    ...noExtras,
  });

  await insertSignals(db(), [
    // Three files taken through the whole chain within 7 days; one file over 9 days.
    ...[1, 2, 3].flatMap((f) => theftChain("seqa", f, ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"])),
    ...theftChain("seqb", 1, ["2026-11-02", "2026-11-05", "2026-11-10", "2026-11-11"]),
    // A leaver takes three files from the finance site (the policy's priority content) the same way.
    signal("seqc", "hr.resignation", at("2026-11-01"), {
      ResignationDate: "2026-11-01",
      LastWorkingDate: "2026-11-30",
    }),
    ...[1, 2, 3].flatMap((f) => theftChain("seqc", f, ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"])),
    // Five USB copies a day for 25 days (each day below the indicator's low threshold of 10) …
    ...Array.from({ length: 25 }, (_, d) =>
      times(5, (i) =>
        signal("cumx", "activity.file.copiedToRemovableMedia", minute(dayBefore(25 - d), i), {
          fileName: `ledger-${d}-${i}.xlsx`,
          filePath: `E:\\ledger-${d}-${i}.xlsx`,
        }),
      ),
    ).flat(),
    // … while the rest of the department copies 0 to 2 files in all.
    ...finance.flatMap((name, k) =>
      times(k % 3, (i) =>
        signal(name, "activity.file.copiedToRemovableMedia", minute(dayBefore(3 + k), i), {
          fileName: `note-${i}.docx`,
        }),
      ),
    ),
    // A priority user with a DLP alert and a Medium day of external e-mail.
    dlpAlert("vip", "2026-11-10"),
    ...externalEmails("vip", "2026-11-12", 4),
    // Priority content: two of four e-mails on the 12th are labelled; none on the 13th.
    dlpAlert("lab", "2026-11-10"),
    ...externalEmails("lab", "2026-11-12", 4, (i) => (i < 2 ? "Highly Confidential" : "General")),
    ...externalEmails("lab", "2026-11-13", 4),
    // E-mail to a domain on the tenant's unallowed list.
    dlpAlert("ula", "2026-11-10"),
    ...times(4, (i) =>
      signal("ula", "activity.email.sentExternally", minute("2026-11-12", i), {
        recipients: ["drop@mega.nz"],
        destinationDomain: "mega.nz",
        fileName: `export-${i}.csv`,
      }),
    ),
    // The same activity in two policies; one of its alerts will be resolved as a confirmed violation.
    dlpAlert("rep", "2026-11-10"),
    ...externalEmails("rep", "2026-11-12", 4),
    // No trigger at all: prints three weeks ago.
    ...times(4, (i) =>
      signal("man", "activity.file.printed", minute("2026-10-30", i), {
        fileName: `salaries-${i}.xlsx`,
        printerName: "HQ-2F",
      }),
    ),
  ]);
  firstRun = await run();
});
afterAll(async () => server.close());

describe("sequences as triggers (data leaks)", () => {
  it("download, rename, upload and delete of the same files within 7 days opens an alert made of the sequence", async () => {
    const alert = await alertIn("seqa", "Leaks: sequences");
    expect(alert.explanation.triggers).toEqual([
      {
        kind: "sequence",
        event: "sequences",
        at: "2026-11-05T09:01:00.000000Z",
        signalId: null,
        reason: `Sequence '${SEQUENCE_NAME}' (3 files) completed on 2026-11-05`,
      },
    ]);
    // 3 files against the 4-step default 1 / 2 / 5: 34 + 33 · 1/3.
    expect(alert).toMatchObject({ score: 45, severity: "Medium" });
    expect(alert.explanation.riskFactors).toEqual(["sequence"]);
    expect(alert.explanation.insights).toHaveLength(1);
    const [insight] = alert.explanation.insights;
    expect(insight).toMatchObject({
      kind: "sequence",
      indicatorId: null,
      indicator: SEQUENCE_NAME,
      day: "2026-11-05",
      value: 3,
      eventCount: 12,
      thresholds: { low: 1, medium: 2, high: 5 },
      baseScore: 45,
      score: 45,
      boosters: [],
    });
    expect(insight.key).toMatch(/^sequence\|download-obfuscate-exfiltrate-delete\|\d+$/);
    expect(insight.details).toMatchObject({
      typeId: "download-obfuscate-exfiltrate-delete",
      startedAt: "2026-11-02T09:01:00.000000Z",
      completedAt: "2026-11-05T09:03:00.000000Z",
      files: ["Q4-forecast-1.xlsx", "Q4-forecast-2.xlsx", "Q4-forecast-3.xlsx"],
    });
    expect(insight.details.signalIds).toHaveLength(12);
  });

  it("the alert page lists the sequence's twelve events", async () => {
    const alert = await alertIn("seqa", "Leaks: sequences");
    const res = await server.request({ method: "GET", url: `/api/alerts/${alert.id}` });
    expect(res.statusCode).toBe(200);
    const [insight] = res.json().insights;
    expect(insight.signalCount).toBe(12);
    expect(insight.signals.map((s: any) => s.attributes.fileName).slice(0, 4)).toEqual([
      "Q4-forecast-1.xlsx",
      "Q4-forecast-2.xlsx",
      "Q4-forecast-3.xlsx",
      "holiday-1.jpg",
    ]);
  });

  it("a sequence of files from a priority site is boosted by the priority content", async () => {
    const alert = await alertIn("seqc", "Departing: sequences on the finance site");
    expect(alert.explanation.insights).toHaveLength(1);
    // Base 45; ×1.5 on the odds: 45/55 · 1.5 = 1.2273 → 55.10.
    expect(alert.explanation.insights[0]).toMatchObject({
      kind: "sequence",
      value: 3,
      baseScore: 45,
      score: 55.1,
      boosters: [{ id: "priorityContent", multiplier: 1.5 }],
    });
    expect(alert.explanation.riskFactors).toEqual(["priorityContent", "sequence"]);
  });

  it("the same chain spread over more than 7 days opens nothing", async () => {
    expect(await membershipsOf("seqb")).toEqual([]);
    expect(await alertsOf("seqb")).toEqual([]);
  });
});

describe("cumulative exfiltration (data leaks)", () => {
  it("a user far above the department's 30-day exfiltration is alerted though no day reaches a threshold", async () => {
    const alert = await alertIn("cumx", "Leaks: cumulative");
    expect(alert.explanation.triggers).toHaveLength(1);
    expect(alert.explanation.triggers[0]).toMatchObject({
      kind: "cumulative",
      event: "cumulative",
      at: `${dayBefore(1)}T10:04:00.000000Z`,
    });
    expect(alert.explanation.triggers[0].reason).toMatch(
      /^Cumulative exfiltration: 125 exfiltration events in 30 days: 6\.25× the bar of /,
    );
    expect(alert.explanation.riskFactors).toEqual(["cumulativeExfiltration"]);
    // 125 events against a bar of 20 (the minimum): thresholds 20 / 40 / 80, 67 + 33 · (1 − 80/125).
    expect(alert).toMatchObject({ score: 78.88, severity: "High" });
    expect(alert.explanation.insights).toHaveLength(1);
    expect(alert.explanation.insights[0]).toMatchObject({
      kind: "cumulative",
      key: "cumulative",
      indicatorId: null,
      indicator: "Cumulative exfiltration",
      day: dayBefore(1),
      value: 125,
      eventCount: 125,
      thresholds: { low: 20, medium: 40, high: 80 },
      baseScore: 78.88,
      score: 78.88,
      details: { metric: "events", bar: 20, ratio: 6.25 },
    });
    // No day of the indicator itself reached its low threshold.
    expect((await storedInsights("cumx")).map((i) => i.kind)).toEqual(["cumulative"]);
  });

  it("a colleague with two copies in the month is not alerted", async () => {
    expect(await membershipsOf("fin01")).toEqual([]);
    expect(await alertsOf("fin01")).toEqual([]);
  });
});

describe("boosters", () => {
  it("a priority user group member's insights are boosted above their base score", async () => {
    const alert = await alertIn("vip", "Leaks: priority users");
    expect(alert.explanation.insights).toHaveLength(1);
    // Base 40 (4 e-mails); ×1.5 on the odds: 40/60 · 1.5 = 1 → 50.
    expect(alert.explanation.insights[0]).toMatchObject({
      kind: "indicator",
      indicator: EXTERNAL,
      value: 4,
      baseScore: 40,
      score: 50,
      severity: "Medium",
      boosters: [
        { id: "priorityUserGroup", multiplier: 1.5, points: 10, reason: "Member of priority user group 'Executives'." },
      ],
    });
    expect(alert).toMatchObject({ score: 50, severity: "Medium" });
    expect(alert.explanation.riskFactors).toEqual(["priorityUserGroup"]);
    expect(await storedInsights("vip")).toEqual([
      { kind: "indicator", day: "2026-11-12", value: 4, base_score: 40, score: 50 },
    ]);
  });

  it("priority content boosts the day whose events carry the priority label, not the other day", async () => {
    const alert = await alertIn("lab", "Leaks: priority content");
    const byDay = [...alert.explanation.insights].sort((a: any, b: any) => a.day.localeCompare(b.day));
    expect(byDay.map((i: any) => [i.day, i.value, i.baseScore, i.score, i.boosters.map((b: any) => b.id)])).toEqual([
      ["2026-11-12", 4, 40, 50, ["priorityContent"]],
      ["2026-11-13", 4, 40, 40, []],
    ]);
    expect(byDay[0].boosters[0].reason).toBe("2 of 4 events touched the policy's priority content.");
    // 100 · (1 − (1 − 0.50) · (1 − 0.3536 · 0.40)).
    expect(alert).toMatchObject({ score: 57.07, severity: "Medium" });
    expect(alert.explanation.riskFactors).toEqual(["priorityContent"]);
  });

  it("scoring only priority content counts only the labelled events", async () => {
    const alert = await alertIn("lab", "Leaks: priority content only");
    expect(alert.explanation.insights).toHaveLength(1);
    expect(alert.explanation.insights[0]).toMatchObject({ day: "2026-11-12", value: 2, eventCount: 2, baseScore: 34 });
    expect(alert.explanation.riskFactors).toEqual(["priorityContent"]);
  });

  it("the alert page of a priority-content-only policy lists only the labelled events", async () => {
    const alert = await alertIn("lab", "Leaks: priority content only");
    const res = await server.request({ method: "GET", url: `/api/alerts/${alert.id}` });
    const [insight] = res.json().insights;
    expect(insight.signals.map((s: any) => s.attributes.sensitivityLabel)).toEqual([
      "Highly Confidential",
      "Highly Confidential",
    ]);
    expect(insight.signalCount).toBe(2);
  });

  it("e-mail to a domain on the unallowed list boosts the day", async () => {
    const alert = await alertIn("ula", "Leaks: priority content");
    expect(alert.explanation.insights).toHaveLength(1);
    expect(alert.explanation.insights[0]).toMatchObject({
      value: 4,
      baseScore: 40,
      score: 50,
      boosters: [
        { id: "unallowedDomain", multiplier: 1.5, points: 10, reason: "4 of 4 events went to an unallowed domain." },
      ],
    });
    expect(alert.explanation.riskFactors).toEqual(["unallowedDomain"]);
  });

  it("the alert page shows each insight's kind, base score and boosters", async () => {
    const alert = await alertIn("lab", "Leaks: priority content");
    const res = await server.request({ method: "GET", url: `/api/alerts/${alert.id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.explanation.riskFactors).toEqual(["priorityContent"]);
    const boosted = body.insights.find((i: any) => i.day === "2026-11-12");
    expect(boosted).toMatchObject({
      kind: "indicator",
      baseScore: 40,
      score: 50,
      boosters: [{ id: "priorityContent", multiplier: 1.5, points: 10 }],
    });
  });
});

describe("rescoring the same evidence", () => {
  it("writes no new alert version, for sequence and cumulative alerts too", async () => {
    expect(firstRun).toMatchObject({ alertsCreated: 9, alertsUpdated: 0, alertsHeldBack: 0 });
    const again = await run();
    expect(again).toMatchObject({ alertsCreated: 0, alertsUpdated: 0, alertsHeldBack: 0 });
    for (const [name, policy] of [
      ["seqa", "Leaks: sequences"],
      ["cumx", "Leaks: cumulative"],
    ] as const) {
      const alert = await alertIn(name, policy);
      expect(alert.version).toBe(1);
    }
    const { rows } = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM alert_versions");
    expect(rows[0]!.n).toBe(9);
  });
});

describe("manual scoping and removal from scoring", () => {
  it("a user scored by hand has their last 90 days scored, with the trigger kind 'manual'", async () => {
    expect(await alertsOf("man")).toEqual([]);
    const now = clock.now();
    await db().query(
      `INSERT INTO manual_scoping (id, policy_id, user_id, reason, starts_at, ends_at, created_by, created_at)
       SELECT $1, id, $2, 'Tip about man@contoso.com from the finance team', $3, $4, 'admin', $3 FROM policies WHERE name = 'Departing: printing'`,
      [randomUUID(), user("man"), now.toISOString(), new Date(now.getTime() + 10 * 86_400_000).toISOString()],
    );
    const summary = await run();
    expect(summary).toMatchObject({ alertsCreated: 1, alertsUpdated: 0 });
    const alert = await alertIn("man", "Departing: printing");
    expect(alert.explanation.triggers).toEqual([
      {
        kind: "manual",
        at: "2026-11-21T12:00:00.000000Z",
        signalId: null,
        reason: "Scored manually from 2026-11-21 to 2026-12-01: Tip about man@contoso.com from the finance team",
        window: { firstDay: "2026-08-23", endDay: "2026-12-02" },
      },
    ]);
    expect(alert.explanation.windows).toEqual([
      { start: "2026-08-23T00:00:00.000000Z", end: "2026-12-02T00:00:00.000000Z" },
    ]);
    expect(alert.explanation.insights.map((i: any) => [i.indicator, i.day, i.value, i.score])).toEqual([
      ["Printing files", "2026-10-30", 4, 40],
    ]);
  });

  it("an analyst who may not see names does not find the user's UPN in the alert's trigger reasons", async () => {
    const alert = await alertIn("man", "Departing: printing");
    const analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
    const res = await server.request({ method: "GET", url: `/api/alerts/${alert.id}`, token: analyst });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.upn).toBeUndefined();
    expect(res.json().explanation.triggers[0].reason).toMatch(
      /^Scored manually from 2026-11-21 to 2026-12-01: Tip about /,
    );
    expect(res.body).not.toContain("man@contoso.com");
  });

  it("a removal from scoring after it ends the membership; the open alert keeps its evidence", async () => {
    clock.advance(3600_000);
    await db().query(
      "INSERT INTO scoring_removals (id, user_id, removed_at, reason, removed_by) VALUES ($1, $2, $3, 'Cleared', 'admin')",
      [randomUUID(), user("man"), clock.now().toISOString()],
    );
    const summary = await run();
    expect(summary).toMatchObject({ alertsCreated: 0, alertsUpdated: 0 });
    expect(await membershipsOf("man")).toEqual([]);
    expect(await storedInsights("man")).toEqual([]);
    const alert = await alertIn("man", "Departing: printing");
    expect(alert.version).toBe(1);
  });

  it("a trigger after the removal brings the user back", async () => {
    clock.advance(3600_000);
    const day = clock.now().toISOString().slice(0, 10);
    await insertSignals(db(), [
      signal("man", "hr.resignation", clock.now().toISOString(), {
        ResignationDate: day,
        LastWorkingDate: "2026-12-15",
      }),
    ]);
    await run();
    expect(await membershipsOf("man")).toEqual([
      { policy: "Departing: printing", reason: `HR resignation dated ${day}` },
    ]);
    expect(await storedInsights("man")).toEqual([
      { kind: "indicator", day: "2026-10-30", value: 4, base_score: 40, score: 40 },
    ]);
    const alert = await alertIn("man", "Departing: printing");
    expect(alert.explanation.triggers.map((t: any) => t.kind)).toEqual(["hr.resignation"]);
    // Rescoring after the clock moved left the sequence and cumulative alerts as they were.
    expect((await alertIn("seqa", "Leaks: sequences")).version).toBe(1);
    expect((await alertIn("cumx", "Leaks: cumulative")).version).toBe(1);
  });
});

describe("the previous-violation booster", () => {
  const SAME_ACTIVITY = "Leaks: priority content";
  const BOOSTED_POLICY = "Leaks: repeat offenders";

  it("a case resolved as a confirmed violation does not boost the activity it was opened for", async () => {
    const resolved = await alertIn("rep", SAME_ACTIVITY);
    const before = await alertIn("rep", BOOSTED_POLICY);
    expect(before).toMatchObject({ score: 40, version: 1 });
    const res = await server.request({
      method: "POST",
      url: `/api/alerts/${resolved.id}/resolve`,
      payload: { resolution: "ConfirmedViolation", notes: "Sent the price list to a competitor." },
    });
    expect(res.statusCode, res.body).toBe(200);
    await run();
    // The other policy's alert is about the same e-mails of 2026-11-12: the case says nothing new about them.
    const after = await alertIn("rep", BOOSTED_POLICY);
    expect(after).toMatchObject({ score: 40, version: 1 });
    expect(after.explanation.insights[0].boosters).toEqual([]);
  });

  it("it boosts activity that comes after the case was resolved", async () => {
    // The next day, four more e-mails.
    clock.advance(86_400_000);
    token = await signInAdmin(server);
    const day = clock.now().toISOString().slice(0, 10);
    await insertSignals(
      db(),
      externalEmails("rep", day, 4).map((s, i) => ({ ...s, occurredAt: at(day, `08:0${i}:00`) })),
    );
    await run();
    const alert = await alertIn("rep", BOOSTED_POLICY);
    const later = alert.explanation.insights.find((i: any) => i.day === day);
    // Base 40; ×1.25 on the odds: 40/60 · 1.25 = 0.8333 → 45.45.
    expect(later).toMatchObject({
      baseScore: 40,
      score: 45.45,
      boosters: [
        {
          id: "previousViolation",
          multiplier: 1.25,
          points: 5.45,
          reason: "1 earlier case resolved as a confirmed violation.",
        },
      ],
    });
  });
});
