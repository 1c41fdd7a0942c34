import { describe, expect, it } from "vitest";
import { buildPolicyBody, readPolicyFile } from "./policies.ts";

describe("openirm policies create", () => {
  it("builds the departing-users body as before", () => {
    expect(buildPolicyBody({ name: "Leavers", hrTrigger: true, indicator: ["ID:1,2,3"] })).toEqual({
      name: "Leavers",
      template: "departing-users-data-theft",
      scope: { allUsers: true },
      triggers: { hrResignation: true },
      indicators: [{ indicatorId: "ID", thresholds: { low: 1, medium: 2, high: 3 } }],
    });
  });

  it("takes groups, exclusions, default thresholds and the content of a file", () => {
    const file = readPolicyFile("x.json", () =>
      JSON.stringify({
        template: "data-leaks",
        boosters: { unusualActivity: false },
        indicators: [{ indicatorId: "device.print" }],
      }),
    );
    expect(
      buildPolicyBody({ name: "Leaks", hrTrigger: true, priorityGroup: ["G1"], exclude: "a@contoso.com" }, file),
    ).toEqual({
      name: "Leaks",
      template: "data-leaks",
      boosters: { unusualActivity: false },
      scope: { users: [], priorityUserGroups: ["G1"], exclude: { users: ["a@contoso.com"] } },
      triggers: {},
      indicators: [{ indicatorId: "device.print" }],
    });
    expect(() => readPolicyFile("x.json", () => "[1]")).toThrow(
      "--from-file x.json: expected a JSON object with the policy's fields (name, template, scope …).",
    );
    expect(() => buildPolicyBody({ hrTrigger: true })).toThrow("give --name NAME");
  });
});
