import { describe, expect, it } from "vitest";
import { ACTIONS, type Action, can, ROLE_GROUPS, type RoleGroup } from "./roleGroups.ts";

// The whole role × action matrix, written out so that any change to the table is a visible diff here.
const Y = true;
const _ = false;
// biome-ignore format: the matrix reads best as a table
const MATRIX: Record<Action, [boolean, boolean, boolean, boolean, boolean, boolean, boolean]> = {
  //                     IRM  Admin Analyst Invest Audit Approv DataConn
  "settings.read":      [Y,   Y,    Y,      Y,     _,    _,     _],
  "settings.manage":    [Y,   Y,    _,      _,     _,    _,     _],
  "accounts.manage":    [Y,   Y,    _,      _,     _,    _,     _],
  "apps.manage":        [Y,   Y,    _,      _,     _,    _,     Y],
  "connectors.read":    [Y,   Y,    _,      _,     _,    _,     Y],
  "connectors.manage":  [Y,   Y,    _,      _,     _,    _,     Y],
  "indicators.read":    [Y,   Y,    Y,      Y,     _,    _,     Y],
  "indicators.manage":  [Y,   Y,    _,      _,     _,    _,     _],
  "policies.read":      [Y,   Y,    Y,      Y,     _,    _,     _],
  "policies.manage":    [Y,   Y,    _,      _,     _,    _,     _],
  "alerts.read":        [Y,   _,    Y,      Y,     _,    _,     _],
  "alerts.triage":      [Y,   _,    Y,      Y,     _,    _,     _],
  "cases.read":         [Y,   _,    Y,      Y,     _,    _,     _],
  "cases.manage":       [Y,   _,    Y,      Y,     _,    _,     _],
  "notices.manage":     [Y,   _,    Y,      Y,     _,    _,     _],
  "content.view":       [Y,   _,    _,      Y,     _,    _,     _],
  "identities.view":    [Y,   _,    _,      Y,     _,    _,     _],
  "analytics.read":     [Y,   Y,    Y,      _,     _,    _,     _],
  "audit.read":         [Y,   _,    _,      _,     Y,    _,     _],
  "forensics.request":  [Y,   Y,    _,      _,     _,    _,     _],
  "forensics.approve":  [Y,   _,    _,      _,     _,    Y,     _],
  "signals.upload":     [_,   _,    _,      _,     _,    _,     _],
};

describe("role group × action matrix", () => {
  it("covers every action and every role group", () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...ACTIONS].sort());
    expect(ROLE_GROUPS).toHaveLength(7);
  });

  for (const action of ACTIONS) {
    ROLE_GROUPS.forEach((group: RoleGroup, i) => {
      const expected = MATRIX[action][i];
      it(`${group} ${expected ? "may" : "may not"} ${action}`, () => {
        expect(can({ kind: "account", id: "a", username: "u", roleGroups: [group] }, action)).toBe(expected);
      });
    });
  }

  it("gives an account with several role groups the union of their permissions", () => {
    const actor = {
      kind: "account" as const,
      id: "a",
      username: "u",
      roleGroups: ["InsiderRiskManagementAuditors", "DataConnectorAdmin"] as RoleGroup[],
    };
    expect(can(actor, "audit.read")).toBe(true);
    expect(can(actor, "connectors.manage")).toBe(true);
    expect(can(actor, "alerts.read")).toBe(false);
  });

  it("lets apps only upload signals, and denies anonymous callers everything", () => {
    const app = { kind: "app" as const, id: "x", clientId: "c", name: "n" };
    for (const action of ACTIONS) expect(can(app, action)).toBe(action === "signals.upload");
    for (const action of ACTIONS) expect(can(null, action)).toBe(false);
  });
});
