import { describe, expect, it } from "vitest";
import { DEMO_THRESHOLDS, demoIndicatorCsv, demoIndicatorLines, demoUsersForRows, generateDemoOrg } from "./org.ts";
import { mulberry32 } from "./random.ts";

const AS_OF = "2026-11-21T12:00:00.000Z";
const DAY_MS = 86_400_000;

function rows(csv: string): string[][] {
  return csv
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","));
}

describe("mulberry32", () => {
  it("is a deterministic stream in [0, 1)", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mulberry32(8)()).not.toBe(xs[0]);
  });
});

describe("generateDemoOrg", () => {
  const org = generateDemoOrg({ seed: 42, asOf: AS_OF });
  const csv = demoIndicatorCsv(org);

  it("gives identical output for the same seed and different output for another seed", () => {
    const again = generateDemoOrg({ seed: 42, asOf: AS_OF });
    expect(again.users).toEqual(org.users);
    expect(again.hrCsv).toBe(org.hrCsv);
    expect(demoIndicatorCsv(again)).toBe(csv);
    const other = generateDemoOrg({ seed: 43, asOf: AS_OF });
    expect(other.users.map((u) => u.upn)).not.toEqual(org.users.map((u) => u.upn));
    expect(demoIndicatorCsv(other)).not.toBe(csv);
  });

  it("builds a directory of 200 unique people with departments, titles and a management chain", () => {
    expect(org.users).toHaveLength(200);
    const upns = new Set(org.users.map((u) => u.upn));
    expect(upns.size).toBe(200);
    for (const u of org.users) {
      expect(u.upn).toMatch(/^[a-z]+\.[a-z]+\d*@contoso\.example$/);
      expect(u.displayName).toBe(`${u.givenName} ${u.surname}`);
      expect(u.department).not.toBe("");
      expect(u.jobTitle).not.toBe("");
      if (u.index === 0) expect(u.managerUpn).toBeNull();
      else expect(upns.has(u.managerUpn ?? "")).toBe(true);
    }
    // Every chain ends at the CEO.
    const byUpn = new Map(org.users.map((u) => [u.upn, u]));
    for (const u of org.users) {
      let hops = 0;
      let cur = u;
      while (cur.managerUpn) {
        cur = byUpn.get(cur.managerUpn)!;
        hops++;
      }
      expect(cur.jobTitle).toBe("Chief Executive Officer");
      expect(hops).toBeLessThanOrEqual(3);
    }
  });

  it("writes an HR resignation file for 5% of people, resignations inside the last 30 days", () => {
    const lines = org.hrCsv.trim().split("\n");
    expect(lines[0]).toBe("EmailAddress,ResignationDate,LastWorkingDate");
    expect(lines).toHaveLength(1 + 10);
    const asOf = Date.parse(AS_OF);
    for (const line of lines.slice(1)) {
      const [upn, resigned, lastDay] = line.split(",") as [string, string, string];
      expect(upn).toMatch(/@contoso\.example$/);
      expect(resigned).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      const age = asOf - Date.parse(resigned);
      expect(age).toBeGreaterThan(0);
      expect(age).toBeLessThan(30 * DAY_MS);
      expect(Date.parse(lastDay) - Date.parse(resigned)).toBeGreaterThan(13 * DAY_MS);
    }
  });

  it("returns the ground truth: 6 departing users to alert on, 4 quiet leavers and 20 busy-but-benign people", () => {
    const { shouldAlert, departingQuiet, busyBenign } = org.groundTruth;
    expect(shouldAlert).toHaveLength(6);
    expect(departingQuiet).toHaveLength(4);
    expect(busyBenign).toHaveLength(20);
    const resigned = new Set(org.resignations.map((r) => r.upn));
    for (const upn of [...shouldAlert, ...departingQuiet]) expect(resigned.has(upn)).toBe(true);
    for (const upn of busyBenign) expect(resigned.has(upn)).toBe(false);
  });

  it("shapes the detections file like the multi-indicator example and keeps quiet people under the low threshold", () => {
    expect(csv.split("\n")[0]).toBe(
      "UPN,Display_Name,Alert_Severity,Alert_Count,Aggregation_Date,Source_Workload,AdditionalInfo_Salesforce,AdditionalInfo_Dropbox",
    );
    const data = rows(csv);
    expect(data.length).toBe(12652);
    const profile = new Map(org.users.map((u) => [u.upn, u.profile]));
    const maxByProfile = new Map<string, number>();
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const r of data) {
      const [upn, name, severity, count, time, workload] = r as [string, string, string, string, string, string];
      if (r.length !== 8) problems.push(`${r.join(",")}: ${r.length} fields`);
      if (workload !== "Salesforce" && workload !== "Dropbox") problems.push(`${upn}: workload ${workload}`);
      if (!name.startsWith(`${workload} - `)) problems.push(`${upn}: activity ${name}`);
      if (!["Low", "Medium", "High"].includes(severity)) problems.push(`${upn}: severity ${severity}`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(time) || Date.parse(time) >= Date.parse(AS_OF)) {
        problems.push(`${upn}: time ${time}`);
      }
      const key = `${upn}|${time}|${workload}`;
      if (seen.has(key)) problems.push(`duplicate ${key}`);
      seen.add(key);
      const low = DEMO_THRESHOLDS[workload as "Salesforce"].low;
      const p = `${profile.get(upn)}:${Number(count) >= low ? "above" : "below"}`;
      maxByProfile.set(p, (maxByProfile.get(p) ?? 0) + 1);
    }
    expect(problems).toEqual([]);
    // Quiet people and quiet leavers never cross a threshold; busy and risky people do, often.
    expect(maxByProfile.get("quiet:above")).toBeUndefined();
    expect(maxByProfile.get("departingQuiet:above")).toBeUndefined();
    expect(maxByProfile.get("busy:above")).toBeGreaterThan(1000);
    expect(maxByProfile.get("departingRisky:above")).toBeGreaterThanOrEqual(6);
    // Each risky leaver crosses the low threshold on the resignation day.
    for (const upn of org.groundTruth.shouldAlert) {
      const user = org.users.find((u) => u.upn === upn)!;
      const day = user.resignationDate!.slice(0, 10);
      const hits = data.filter(
        (r) =>
          r[0] === upn &&
          r[4]!.startsWith(day) &&
          Number(r[3]) >= DEMO_THRESHOLDS[r[5] as "Salesforce" | "Dropbox"].low,
      );
      expect(hits.length).toBeGreaterThanOrEqual(1);
    }
  });

  it("streams any size: a row limit is honoured and the size helper reaches it", () => {
    const users = demoUsersForRows(30_000, 60);
    const big = generateDemoOrg({ seed: 5, users, asOf: AS_OF });
    let count = 0;
    let header = "";
    for (const line of demoIndicatorLines(big, { limit: 30_000 })) {
      if (!header) header = line;
      else count++;
    }
    expect(header.startsWith("UPN,")).toBe(true);
    expect(count).toBe(30_000);
    expect(big.resignations.length).toBe(Math.round(users * 0.05));
  });

  it("rejects sizes it cannot honour", () => {
    expect(() => generateDemoOrg({ seed: 1, users: 1, asOf: AS_OF })).toThrow("users: at least 2 people are needed.");
    expect(() => generateDemoOrg({ seed: 1, asOf: "yesterday" })).toThrow("asOf: 'yesterday' is not a date.");
  });
});
