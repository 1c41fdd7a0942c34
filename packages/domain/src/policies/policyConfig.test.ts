import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { type IndicatorInfo, parsePolicyCreate, parsePolicyPatch, scopeMatcher } from "./policyConfig.ts";

const SF = "11111111-1111-4111-8111-111111111111";
const LEAVER = "33333333-3333-4333-8333-333333333333";
const OFF = "44444444-4444-4444-8444-444444444444";

const indicators = new Map<string, IndicatorInfo>([
  [SF, { id: SF, name: "Salesforce alerts", kind: "custom", enabled: true, valueColumn: "Alert_Count" }],
  [LEAVER, { id: LEAVER, name: "Leaver prediction", kind: "custom", enabled: true, valueColumn: null }],
  [OFF, { id: OFF, name: "Retired feed", kind: "custom", enabled: false, valueColumn: "Count" }],
]);

const valid = {
  name: "  Departing sales staff ",
  template: "departing-users-data-theft",
  scope: { allUsers: true },
  indicators: [{ indicatorId: SF, thresholds: { low: 5, medium: 10, high: 20 } }],
};

function error(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

const create = (body: Record<string, unknown>) => parsePolicyCreate({ ...valid, ...body }, indicators);

describe("policy creation rules", () => {
  it("accepts a minimal policy with the HR resignation trigger on by default", () => {
    expect(parsePolicyCreate(valid, indicators)).toEqual({
      name: "Departing sales staff",
      template: "departing-users-data-theft",
      description: null,
      enabled: true,
      config: {
        scope: { allUsers: true },
        triggers: { hrResignation: true, indicators: [] },
        indicators: [{ indicatorId: SF, thresholds: { low: 5, medium: 10, high: 20 } }],
      },
    });
  });

  it("requires a name and a known template", () => {
    expect(error(() => create({ name: " " })).message).toBe(
      "name is required: give the policy a name (it cannot be changed later).",
    );
    expect(error(() => create({ template: "insider-trading" })).message).toBe(
      'template "insider-trading" is not available; available templates: departing-users-data-theft, data-leaks, data-leaks-priority-users, data-leaks-risky-users, security-policy-violations, security-policy-violations-departing-users, security-policy-violations-priority-users, security-policy-violations-risky-users, patient-data-misuse, risky-browser-usage.',
    );
  });

  it("normalises a user list scope and rejects what is not a UPN", () => {
    const p = create({ scope: { users: ["SaraD@Contoso.com", "sarad@contoso.com", "bradh@contoso.com"] } });
    expect(p.config.scope).toEqual({ users: ["sarad@contoso.com", "bradh@contoso.com"] });
    expect(error(() => create({ scope: { users: ["sarad@contoso.com", "brad"] } })).message).toBe(
      'scope.users[1]: "brad" is not a user principal name (name@domain).',
    );
    expect(error(() => create({ scope: { allUsers: false } })).details?.column).toBe("scope");
    const inScope = scopeMatcher(p.config.scope);
    expect([inScope("SARAD@contoso.com"), inScope("pilarp@contoso.com")]).toEqual([true, false]);
  });

  it("requires thresholds for an indicator with a value column, positive and strictly increasing", () => {
    expect(error(() => create({ indicators: [{ indicatorId: SF }] })).message).toBe(
      "indicators[0]: indicator 'Salesforce alerts' needs thresholds { low, medium, high } for the daily total of column Alert_Count; custom indicators have no default thresholds.",
    );
    const bad = (thresholds: unknown) => error(() => create({ indicators: [{ indicatorId: SF, thresholds }] }));
    expect(bad({ low: 0, medium: 10, high: 20 }).message).toBe(
      "indicators[0]: the low threshold of 'Salesforce alerts' must be a positive number (got 0); use a value above 0.",
    );
    expect(bad({ low: 10, medium: 10, high: 20 }).message).toBe(
      "indicators[0]: thresholds of 'Salesforce alerts' must increase (low < medium < high): medium 10 is not above low 10; raise medium above 10 or lower low.",
    );
    const highErr = bad({ low: 5, medium: 30, high: 20 });
    expect(highErr.message).toBe(
      "indicators[0]: thresholds of 'Salesforce alerts' must increase (low < medium < high): high 20 is not above medium 30; raise high above 30 or lower medium.",
    );
    expect(highErr.details?.column).toBe("indicators[0].thresholds.high");
    expect(highErr.status).toBe(400);
  });

  it("keeps trigger-only indicators out of scoring and lets them trigger without a threshold", () => {
    expect(
      error(() => create({ indicators: [{ indicatorId: LEAVER, thresholds: { low: 1, medium: 2, high: 3 } }] }))
        .message,
    ).toBe(
      "indicators[0]: indicator 'Leaver prediction' is trigger-only (no value column), so it cannot score activity; use it under triggers.indicators instead.",
    );
    expect(error(() => create({ triggers: { indicators: [{ indicatorId: LEAVER, threshold: 5 }] } })).message).toBe(
      "triggers.indicators[0]: indicator 'Leaver prediction' is trigger-only (no value column), so it cannot have a threshold; remove threshold and any event of it triggers.",
    );
    const p = create({
      triggers: { hrResignation: false, indicators: [{ indicatorId: LEAVER }, { indicatorId: SF, threshold: 8 }] },
    });
    expect(p.config.triggers).toEqual({
      hrResignation: false,
      indicators: [
        { indicatorId: LEAVER, threshold: null },
        { indicatorId: SF, threshold: 8 },
      ],
    });
  });

  it("needs at least one trigger and only accepts enabled, existing indicators", () => {
    expect(error(() => create({ triggers: { hrResignation: false } })).message).toBe(
      "A policy needs at least one trigger: keep triggers.hrResignation true or add an indicator under triggers.indicators.",
    );
    expect(
      error(() => create({ indicators: [{ indicatorId: OFF, thresholds: { low: 1, medium: 2, high: 3 } }] })).message,
    ).toBe("indicators[0].indicatorId: indicator 'Retired feed' is turned off; turn it on before selecting it.");
    expect(error(() => create({ indicators: [{ indicatorId: "nope" }] })).message).toBe(
      "indicators[0].indicatorId: indicator 'nope' does not exist.",
    );
    expect(error(() => create({ indicators: [] })).details?.column).toBe("indicators");
  });
});

describe("policy changes", () => {
  const current = parsePolicyCreate(valid, indicators);

  it("refuses to rename or change the template", () => {
    expect(error(() => parsePolicyPatch({ name: "Other" }, current, indicators)).message).toBe(
      "A policy's name cannot be changed after it is created; create a new policy with the new name instead.",
    );
    expect(error(() => parsePolicyPatch({ template: "data-leaks" }, current, indicators)).details?.column).toBe(
      "template",
    );
  });

  it("applies the fields given, reports what changed, and re-checks the whole policy", () => {
    const { next, changed } = parsePolicyPatch(
      { name: "Departing sales staff", description: "Sales", enabled: false },
      current,
      indicators,
    );
    expect(changed).toEqual(["description", "enabled"]);
    expect(next).toMatchObject({ name: "Departing sales staff", description: "Sales", enabled: false });
    expect(parsePolicyPatch({ enabled: true }, current, indicators).changed).toEqual([]);
    expect(
      error(() => parsePolicyPatch({ triggers: { hrResignation: false } }, current, indicators)).details?.column,
    ).toBe("triggers");
  });
});

describe("policy changes against a stored config", () => {
  it("does not report fields whose stored JSON only differs in key order", () => {
    const current = parsePolicyCreate(valid, indicators);
    const stored = JSON.parse(
      JSON.stringify({
        ...current,
        config: {
          indicators: [{ thresholds: { high: 20, low: 5, medium: 10 }, indicatorId: SF }],
          triggers: { indicators: [], hrResignation: true },
          scope: { allUsers: true },
        },
      }),
    );
    expect(parsePolicyPatch({ enabled: false }, stored, indicators).changed).toEqual(["enabled"]);
  });
});
