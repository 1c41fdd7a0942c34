import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertConnector, insertDirectoryUser } from "../../../server/test/support.ts";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";
import { buildTuneBody } from "./alerts.ts";

let harness: CliHarness;
let policyId: string;
let indicatorId: string;

const cli = (...args: string[]) => harness.cli(...args);
const db = () => harness.server.services.db;

/** An alert as the scorer writes it, with one insight of the policy's indicator, for a new user. */
async function insertAlert(status = "NeedsReview"): Promise<string> {
  const userId = await insertDirectoryUser(db(), `${randomUUID().slice(0, 8)}@contoso.com`);
  const id = randomUUID();
  const explanation = {
    modelVersion: "openirm-scoring/1",
    insights: [
      {
        id: randomUUID(),
        indicatorId,
        indicator: "Salesforce alerts",
        day: "2026-01-05",
        value: 16,
        eventCount: 2,
        thresholds: { low: 5, medium: 10, high: 20 },
        score: 53.8,
        severity: "Medium",
        rank: 1,
        contribution: 53.8,
      },
    ],
  };
  await db().query(
    `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
     VALUES ($1, $2, $3, $4, 'Medium', 53.8, 1, $5, now(), now())`,
    [id, policyId, userId, status, explanation],
  );
  return id;
}

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-alerts-" });
  const connectorId = await insertConnector(db(), {
    name: "Detections",
    config: {
      columns: [
        { name: "UPN", type: "Text" },
        { name: "Alert_Count", type: "Number" },
      ],
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: null,
      sourceValues: [],
      mapping: { Default: ["Alert_Count"] },
    },
  });
  const request = async (url: string, payload: unknown) => {
    const res = await harness.server.request({ method: "POST", url, payload });
    if (res.statusCode !== 201) throw new Error(`POST ${url}: ${res.body}`);
    return res;
  };
  indicatorId = (
    await request("/api/indicators", { name: "Salesforce alerts", connectorId, valueColumn: "Alert_Count" })
  ).json().id;
  policyId = (
    await request("/api/policies", {
      name: "Departing sales staff",
      template: "departing-users-data-theft",
      scope: { allUsers: true },
      indicators: [{ indicatorId, thresholds: { low: 5, medium: 10, high: 20 } }],
    })
  ).json().id;
});
afterAll(async () => harness?.close());

describe("openirm alerts confirm, dismiss, resolve", () => {
  it("confirms, dismisses and resolves alerts and reports refused changes", async () => {
    const a = await insertAlert();
    const confirmed = await cli("alerts", "confirm", a, "--notes", "Looks deliberate");
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toBe(`Alert ${a} is now Confirmed.\n`);
    const again = await cli("alerts", "confirm", a);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`openirm: Alert '${a}' is Confirmed; only an alert in NeedsReview can be confirmed.\n`);

    const resolved = await cli("alerts", "resolve", a, "--resolution", "ConfirmedViolation");
    expect(resolved.stdout).toBe(`Alert ${a} is now Resolved (ConfirmedViolation).\n`);

    const b = await insertAlert();
    expect((await cli("alerts", "dismiss", b)).code).toBe(2);
    const bad = await cli("alerts", "dismiss", b, "--reason", "Boring");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'openirm: reason: "Boring" is not allowed; allowed values: ExpectedActivity, NeedsInvestigationElsewhere, TooMuchActivity.\n',
    );
    const dismissed = await cli("alerts", "dismiss", b, "--reason", "ExpectedActivity", "--json");
    expect(dismissed.json()).toMatchObject({ id: b, status: "Dismissed", triage: { reason: "ExpectedActivity" } });
    expect((await cli("alerts", "resolve", b)).stderr).toBe(
      "openirm: give --resolution: ConfirmedViolation, Benign.\n",
    );
  });

  it("dismisses several alerts with --ids and says what happened to each", async () => {
    const a = await insertAlert();
    const confirmed = await insertAlert("Confirmed");
    const missing = randomUUID();
    const res = await cli("alerts", "dismiss", "--ids", `${a},${confirmed},${missing}`, "--reason", "TooMuchActivity");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(
      [
        "ID                                    OUTCOME",
        `${a}  dismissed`,
        `${confirmed}  not-needs-review`,
        `${missing}  not-found`,
        "Dismissed 1 of 3 alerts.",
        "",
      ].join("\n"),
    );
    expect((await cli("alerts", "dismiss", a, "--ids", a, "--reason", "TooMuchActivity")).code).toBe(2);
  });
});

describe("openirm alerts tuning and tune", () => {
  it("shows the thresholds, raises them, lists the edit, and refuses to stop the last indicator", async () => {
    const id = await insertAlert();
    const shown = await cli("alerts", "tuning", id);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Policy: Departing sales staff (${policyId})\n`);
    expect(shown.stdout).toMatch(/current: +5\/10\/20\n/);
    expect(shown.stdout).toMatch(/recommended: +8\/15\/30 \(from 0 user-days of activity in the last 30 days\)\n/);
    expect(shown.stdout).toMatch(/can stop: +no\n/);

    const lower = await cli("alerts", "tune", id, "--indicator", indicatorId, "--thresholds", "4,10,20");
    expect(lower.code).toBe(1);
    expect(lower.stderr).toContain("thresholds.low 4 is lower than the policy's current low threshold 5");

    const raised = await cli("alerts", "tune", id, "--indicator", indicatorId, "--thresholds", "6,12,24");
    expect(raised.code, raised.stderr).toBe(0);
    expect(raised.stdout).toBe(
      "Policy 'Departing sales staff': 'Salesforce alerts' thresholds 5/10/20 -> 6/12/24 (custom).\n" +
        "The alert's user was rescored; other users follow at the next scoring run.\n",
    );
    expect((await cli("alerts", "tuning", id)).stdout).toMatch(
      /earlier edits:\n {4}\S+Z {2}admin {2}custom {2}5\/10\/20 -> 6\/12\/24\n/,
    );

    const stop = await cli("alerts", "tune", id, "--indicator", indicatorId, "--stop");
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain("is the only indicator policy 'Departing sales staff' scores");

    const dismissed = await cli("alerts", "tune", id, "--indicator", indicatorId, "--recommended", "--dismiss");
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect(dismissed.stdout).toContain("'Salesforce alerts' thresholds 6/12/24 -> 9/18/36 (recommended).\n");
    expect(dismissed.stdout).toContain(`Alert ${id} is now Resolved (Benign).\n`);
  });

  it("checks the options before calling the server", () => {
    expect(() => buildTuneBody({ recommended: true })).toThrow("give --indicator ID");
    expect(() => buildTuneBody({ indicator: "X" })).toThrow(
      "say what to do: --recommended, --thresholds low,medium,high or --stop.",
    );
    expect(() => buildTuneBody({ indicator: "X", recommended: true, stop: true })).toThrow(
      "give only one of --recommended, --thresholds and --stop (got --recommended and --stop).",
    );
    expect(() => buildTuneBody({ indicator: "X", thresholds: "1,2" })).toThrow(
      "--thresholds expects low,medium,high (got '1,2').",
    );
    expect(buildTuneBody({ indicator: "X", thresholds: "10, 20, 30", dismiss: true })).toEqual({
      indicatorId: "X",
      action: "custom",
      thresholds: { low: 10, medium: 20, high: 30 },
      // biome-ignore lint/suspicious/noThenProperty: the API names the field "then"
      then: "dismiss",
    });
  });
});
