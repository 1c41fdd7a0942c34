import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at } from "../../test/signals.ts";
import {
  insertConnector,
  insertDirectoryUser,
  insertSignals,
  signInAdmin,
  startTestServer,
  TestClock,
  type TestServer,
  type TestSignal,
} from "../../test/support.ts";

// How many alerts open: the tenant's alert volume decides which insights may open one, and the
// server's daily limit per policy holds back a flood (the rest open on a later run).

const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));
let server: TestServer;
let activity: string;
let token: string | undefined;
let firstRun: Record<string, number>;

const db = () => server.services.db;
const users = new Map<string, string>();
const upn = (name: string) => `${name}@contoso.com`;
const policies = new Map<string, string>();
const policyId = (name: string) => policies.get(name) as string;
const userId = (name: string) => users.get(name) as string;

const call = (method: "POST" | "PATCH", url: string, payload: unknown) => server.call(method, url, payload, token);

const run = () => call("POST", "/api/scoring/run", {});

function leak(name: string, emails: number): TestSignal[] {
  const id = userId(name);
  return [
    {
      connectorId: activity,
      userId: id,
      occurredAt: at("2026-11-10", "09:00:00"),
      kind: "activity.security.dlpAlert",
      attributes: { severity: "High", policyName: "PCI data" },
    },
    ...Array.from({ length: emails }, (_, i) => ({
      connectorId: activity,
      userId: id,
      occurredAt: at("2026-11-12", `10:${String(i).padStart(2, "0")}:00`),
      kind: "activity.email.sentExternally",
      attributes: { recipients: ["buyer@fabrikam.com"], destinationDomain: "fabrikam.com", fileName: `offer-${i}.pdf` },
    })),
  ];
}

async function alertCount(policy: string): Promise<number> {
  const { rows } = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM alerts WHERE policy_id = $1", [
    policyId(policy),
  ]);
  return rows[0]!.n;
}

async function throttleAudits() {
  const { rows } = await db().query<{ target_id: string; details: any }>(
    "SELECT target_id, details FROM audit_entries WHERE action = 'alert.throttle' ORDER BY id",
  );
  return rows;
}

const TWO = { low: 1, medium: 2, high: 13 };
const common = {
  template: "data-leaks",
  boosters: {
    unusualActivity: false,
    confirmedViolationHistory: false,
    priorityUserGroup: false,
    potentialHighImpactUser: false,
  },
  sequenceDetection: { enabled: false },
  cumulativeExfiltration: { enabled: false },
};

beforeAll(async () => {
  server = await startTestServer({ clock, config: { alertLimitPerPolicyPerDay: 2 } });
  activity = await insertConnector(db(), { name: "Activity", config: { columns: [] } });
  await call("PATCH", "/api/indicators/office.emailExternal", { enabled: true });
  for (const name of ["t1", "t2", "t3", "t4", "vic", "una", "boss"]) {
    users.set(name, await insertDirectoryUser(db(), upn(name)));
  }
  // Boss manages t2: the top of a manager chain, with a report.
  await db().query("UPDATE directory_users SET manager_upn = $1 WHERE id = $2", [upn("boss"), userId("t2")]);
  for (const [name, scope] of [
    ["Leaks: flood", ["t1", "t2", "t3", "t4"]],
    ["Leaks: volume", ["vic"]],
  ] as const) {
    const body = {
      ...common,
      name,
      scope: { users: scope.map(upn) },
      indicators: [{ indicatorId: "office.emailExternal", thresholds: TWO }],
    };
    policies.set(name, (await call("POST", "/api/policies", body)).id);
  }
  policies.set(
    "Leaks: boosted",
    (
      await call("POST", "/api/policies", {
        ...common,
        name: "Leaks: boosted",
        scope: { users: [upn("una"), upn("boss")] },
        indicators: [{ indicatorId: "office.emailExternal", thresholds: { low: 3, medium: 4, high: 13 } }],
        boosters: { ...common.boosters, unusualActivity: true, potentialHighImpactUser: true },
      })
    ).id,
  );
  // Days of 4 or more events may be boosted as unusual.
  await call("PATCH", "/api/settings", { detections: { unusualActivityMinDailyEvents: 4 } });
  await insertSignals(db(), [
    // Thirteen e-mails: High (67), above every alert volume's line.
    ...["t1", "t2", "t3", "t4"].flatMap((name) => leak(name, 13)),
    // Four e-mails: 34 + 33 · 2/11 = 40, Medium, below the "fewer" line of 50.
    ...leak("vic", 4),
    // Two e-mails a day for the 30 days before the 12th (below the low threshold of 3), then four.
    ...Array.from({ length: 30 }, (_, d) =>
      [0, 1].map((i) => ({
        connectorId: activity,
        userId: userId("una"),
        occurredAt: new Date(Date.parse("2026-11-12T08:00:00Z") - (d + 1) * 86_400_000 + i * 60_000).toISOString(),
        kind: "activity.email.sentExternally",
        attributes: {
          recipients: ["buyer@fabrikam.com"],
          destinationDomain: "fabrikam.com",
          fileName: `q-${d}-${i}.pdf`,
        },
      })),
    ).flat(),
    ...leak("una", 4),
    // Three e-mails: Low 15, under the minimum of daily events for the unusual-activity booster.
    ...leak("boss", 3),
  ]);
  await call("PATCH", "/api/settings", { detections: { alertVolume: "fewer" } });
  firstRun = await run();
});
afterAll(async () => server.close());

describe("alert volume", () => {
  it("at 'fewer' an insight of 40 opens no alert, though it is stored", async () => {
    expect(await alertCount("Leaks: volume")).toBe(0);
    const { rows } = await db().query<{ value: number; score: number; severity: string }>(
      "SELECT value, score, severity FROM insights WHERE policy_id = $1",
      [policyId("Leaks: volume")],
    );
    expect(rows).toEqual([{ value: 4, score: 40, severity: "Medium" }]);
  });

  it("at 'default' the same insight opens an alert", async () => {
    await call("PATCH", "/api/settings", { detections: { alertVolume: "default" } });
    await run();
    const { rows } = await db().query<{ score: number; severity: string }>(
      "SELECT score, severity FROM alerts WHERE policy_id = $1",
      [policyId("Leaks: volume")],
    );
    expect(rows).toEqual([{ score: 40, severity: "Medium" }]);
  });
});

describe("daily alert limit per policy", () => {
  it("opens 2 of the 4 qualifying alerts, holds back 2 and records it in the audit log", async () => {
    expect(firstRun).toMatchObject({ alertsCreated: 2, alertsUpdated: 0, alertsHeldBack: 2 });
    expect(await alertCount("Leaks: flood")).toBe(2);
    const audits = await throttleAudits();
    expect(audits[0]).toEqual({
      target_id: policyId("Leaks: flood"),
      details: { policy: "Leaks: flood", heldBack: 2, limitPerDay: 2 },
    });
    // The held-back users' evidence is stored already.
    const { rows } = await db().query<{ n: number }>(
      "SELECT count(DISTINCT user_id)::int AS n FROM insights WHERE policy_id = $1",
      [policyId("Leaks: flood")],
    );
    expect(rows[0]!.n).toBe(4);
  });

  it("keeps holding them back within the same 24 hours, without touching the open ones", async () => {
    clock.advance(23 * 3600_000);
    token = await signInAdmin(server);
    const summary = await run();
    expect(summary).toMatchObject({ alertsCreated: 0, alertsUpdated: 0, alertsHeldBack: 2 });
    expect(await alertCount("Leaks: flood")).toBe(2);
  });

  it("opens the other 2 once the 24 hours have passed", async () => {
    clock.advance(2 * 3600_000);
    token = await signInAdmin(server);
    const summary = await run();
    expect(summary).toMatchObject({ alertsCreated: 2, alertsUpdated: 0, alertsHeldBack: 0 });
    expect(await alertCount("Leaks: flood")).toBe(4);
    const { rows } = await db().query<{ score: number; severity: string; version: number }>(
      "SELECT score, severity, version FROM alerts WHERE policy_id = $1",
      [policyId("Leaks: flood")],
    );
    expect(rows).toEqual(Array(4).fill({ score: 67, severity: "High", version: 1 }));
  });
});

describe("activity and user boosters", () => {
  async function insightOf(name: string) {
    const { rows } = await db().query<{ day: string; value: number; base_score: number; score: number; details: any }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, value, base_score, score, details FROM insights
        WHERE policy_id = $1 AND user_id = $2 AND value >= 3`,
      [policyId("Leaks: boosted"), userId(name)],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  it("a day at twice the user's 30-day average is boosted ×1.25 as unusual activity", async () => {
    const insight = await insightOf("una");
    // Base 34 (4 e-mails against 3 / 4 / 13); 34/66 · 1.25 = 0.6439 → 39.17.
    expect(insight).toMatchObject({ day: "2026-11-12", value: 4, base_score: 34, score: 39.17 });
    expect(insight.details.boosters).toEqual([
      {
        id: "unusualActivity",
        multiplier: 1.25,
        points: 5.17,
        reason: "4 that day: 2× the usual 2 a day (30-day average).",
      },
    ]);
  });

  it("a manager at the top of the chain is boosted ×1.25 as a potential high-impact user", async () => {
    const insight = await insightOf("boss");
    // Base 15 (3 e-mails); 15/85 · 1.25 = 0.2206 → 18.07. Three events: under the unusual-activity minimum.
    expect(insight).toMatchObject({ day: "2026-11-12", value: 3, base_score: 15, score: 18.07 });
    expect(insight.details.boosters).toEqual([
      {
        id: "highImpactUser",
        multiplier: 1.25,
        points: 3.07,
        reason: "Potential high-impact user: top of the manager chain.",
      },
    ]);
  });
});
