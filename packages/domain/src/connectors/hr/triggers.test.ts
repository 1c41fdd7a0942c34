import { describe, expect, it } from "vitest";
import { hrTriggerFor, isPoorRating, levelNumber } from "./triggers.ts";

const at = "2019-04-23T09:48:02.467504Z";

describe("HR signals as policy triggers", () => {
  it("a resignation triggers the departing-user templates", () => {
    expect(
      hrTriggerFor({
        kind: "hr.resignation",
        occurredAt: at,
        attributes: { ResignationDate: at, LastWorkingDate: "2019-04-29T09:48:02.467504Z" },
      }),
    ).toEqual({ triggers: true, family: "departing", reason: "HR resignation dated 2019-04-23" });
  });

  it("a demotion (a lower level number) triggers the risky-user templates", () => {
    expect(
      hrTriggerFor({
        kind: "hr.job_level_change",
        attributes: { EffectiveDate: at, OldLevel: "Level 61 - Sr. Manager", NewLevel: "Level 60- Manager" },
      }),
    ).toEqual({
      triggers: true,
      family: "risky",
      reason: "HR job level change on 2019-04-23: demotion from 'Level 61 - Sr. Manager' to 'Level 60- Manager'",
    });
  });

  it("a promotion does not trigger; a change it cannot read triggers as a level change", () => {
    expect(
      hrTriggerFor({
        kind: "hr.job_level_change",
        attributes: { EffectiveDate: at, OldLevel: "Level 60 Manager", NewLevel: "Level 61 Sr. Manager" },
      }),
    ).toEqual({
      triggers: false,
      family: "risky",
      reason:
        "HR job level change on 2019-04-23 from 'Level 60 Manager' to 'Level 61 Sr. Manager' is a promotion (level 60 → 61); promotions do not trigger",
    });
    expect(
      hrTriggerFor({
        kind: "hr.job_level_change",
        attributes: { EffectiveDate: at, OldLevel: "Manager", NewLevel: "Team lead" },
      }),
    ).toEqual({
      triggers: true,
      family: "risky",
      reason:
        "HR job level change on 2019-04-23 from 'Manager' to 'Team lead' (whether it is a demotion cannot be read from the levels)",
    });
    expect(
      hrTriggerFor({
        kind: "hr.job_level_change",
        attributes: { EffectiveDate: at, OldLevel: "Manager", NewLevel: "Analyst", Remarks: "Demoted after review" },
      }),
    ).toMatchObject({
      triggers: true,
      reason: "HR job level change on 2019-04-23: demotion from 'Manager' to 'Analyst'",
    });
    expect(hrTriggerFor({ kind: "hr.job_level_change", occurredAt: at, attributes: {} })).toMatchObject({
      triggers: true,
      reason: "HR job level change on 2019-04-23 (whether it is a demotion cannot be read from the levels)",
    });
  });

  it("a performance review triggers only when its rating reads as poor", () => {
    const review = (Rating: string | null) =>
      hrTriggerFor({ kind: "hr.performance_review", attributes: { EffectiveDate: at, Rating } });
    expect(review("2-Below expectation")).toEqual({
      triggers: true,
      family: "risky",
      reason: "HR performance review on 2019-04-23 rated '2-Below expectation' (poor)",
    });
    expect(review("4 - Exceeds expectations")).toEqual({
      triggers: false,
      family: "risky",
      reason: "HR performance review on 2019-04-23 rated '4 - Exceeds expectations', which is not poor",
    });
    expect(review("B+")).toMatchObject({ triggers: false, reason: expect.stringContaining("does not read as poor") });
    expect(review(null)).toEqual({
      triggers: false,
      family: "risky",
      reason: "HR performance review on 2019-04-23 has no rating",
    });
  });

  it("an improvement plan always triggers; a profile never does; other kinds are not HR events", () => {
    expect(
      hrTriggerFor({ kind: "hr.performance_improvement_plan", attributes: { EffectiveDate: at, Rating: "3" } }),
    ).toEqual({ triggers: true, family: "risky", reason: "HR performance improvement plan effective 2019-04-23" });
    expect(hrTriggerFor({ kind: "hr.employee_profile", attributes: {} })).toMatchObject({
      triggers: false,
      family: null,
    });
    expect(hrTriggerFor({ kind: "indicator", attributes: {} })).toBeNull();
  });
});

describe("reading ratings and levels", () => {
  it("reads poor ratings from words or a leading number on the 1–5 scale", () => {
    for (const poor of [
      "2-Below expectation",
      "2 Below expectations",
      "Below expectations",
      "Needs improvement",
      "Unsatisfactory",
      "Poor",
      "Does not meet expectations",
      "Doesn't meet",
      "1",
      "2",
      "1.5",
      "2/5",
      "3 of 10",
      "35%",
    ]) {
      expect(isPoorRating(poor), poor).toBe(true);
    }
    for (const fine of [
      "3",
      "3 - Meets expectations",
      "5-Outstanding",
      "Meets expectations",
      "Exceeds",
      "4/5",
      "80%",
    ]) {
      expect(isPoorRating(fine), fine).toBe(false);
    }
    for (const unknown of ["", "B+", "7", "Calibrated"]) expect(isPoorRating(unknown), unknown).toBeUndefined();
  });

  it("reads the level number of a job level", () => {
    expect(levelNumber("Level 61 - Sr. Manager")).toBe(61);
    expect(levelNumber("Level 60- Manager")).toBe(60);
    expect(levelNumber("L7")).toBe(7);
    expect(levelNumber("Manager")).toBeUndefined();
  });
});
