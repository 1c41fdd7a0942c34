import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import {
  activeManualEntries,
  checkScoringDays,
  checkScoringReason,
  type ManualEntry,
  manualEntryState,
  manualWindow,
  parseRemoveScoring,
  parseStartScoring,
  readScopingUsers,
} from "./manualScoping.ts";

const POLICY = "0b6f5a1e-3c1d-4d0e-9a55-6b1f0e2f7c11";

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

describe("the days of manual scoring", () => {
  it("accepts 5 to 30 whole days", () => {
    expect(checkScoringDays(5)).toBe(5);
    expect(checkScoringDays(30)).toBe(30);
    expect(checkScoringDays("14")).toBe(14);
  });

  it("refuses 4, 31 and fractions, naming the field and the range", () => {
    expect(errorOf(() => checkScoringDays(4)).message).toBe(
      "days: 4 is out of range; manual scoring lasts a whole number of days from 5 to 30.",
    );
    expect(errorOf(() => checkScoringDays(31)).message).toBe(
      "days: 31 is out of range; manual scoring lasts a whole number of days from 5 to 30.",
    );
    expect(errorOf(() => checkScoringDays(7.5)).message).toBe(
      "days: 7.5 is not a whole number; manual scoring lasts a whole number of days from 5 to 30.",
    );
    expect(errorOf(() => checkScoringDays(undefined)).details).toEqual({ column: "days" });
  });
});

describe("the reason", () => {
  it("is required to start, trimmed, at most 500 characters", () => {
    expect(checkScoringReason("  Investigation 42 ", true)).toBe("Investigation 42");
    expect(errorOf(() => checkScoringReason(undefined, true)).message).toMatch(/^reason: give the reason/);
    expect(errorOf(() => checkScoringReason("   ", true)).message).toMatch(/1 to 500 characters\.$/);
    expect(checkScoringReason("x".repeat(500), true)).toHaveLength(500);
    expect(errorOf(() => checkScoringReason("x".repeat(501), true)).message).toBe(
      "reason: the reason is 501 characters long; the limit is 500. Shorten it.",
    );
  });

  it("is optional to remove", () => {
    expect(checkScoringReason(undefined, false)).toBeNull();
    expect(checkScoringReason("", false)).toBeNull();
    expect(errorOf(() => checkScoringReason(12, false)).details).toEqual({ column: "reason" });
  });
});

describe("the users of a request", () => {
  it("reads a typed list: lower-cased, repeated ones counted, bad entries refused alone", () => {
    const users = readScopingUsers({
      users: ["SaraD@contoso.com", "not a upn", "sarad@contoso.com", "bob@contoso.com"],
    });
    expect(users.candidates).toEqual([
      { upn: "sarad@contoso.com", index: 0 },
      { upn: "bob@contoso.com", index: 3 },
    ]);
    expect(users.duplicates).toBe(1);
    expect(users.errors).toEqual([
      {
        index: 1,
        column: "users[1]",
        reason: "'not a upn' is not a user principal name (name@domain).",
        message: "users[1]: 'not a upn' is not a user principal name (name@domain).",
      },
    ]);
  });

  it("reads a CSV whose header is 'user principal name' in any case, with line numbers", () => {
    const users = readScopingUsers({ csv: "User Principal Name\r\nsarad@contoso.com\nnope\n\nbob@contoso.com\n" });
    expect(users.source).toBe("csv");
    expect(users.candidates).toEqual([
      { upn: "sarad@contoso.com", line: 2 },
      { upn: "bob@contoso.com", line: 5 },
    ]);
    expect(users.errors[0]).toMatchObject({
      line: 3,
      message: "line 3: User Principal Name: 'nope' is not a user principal name (name@domain).",
    });
  });

  it("refuses a CSV without the column as a whole, naming the column", () => {
    const err = errorOf(() => readScopingUsers({ csv: "name,department\nSara,Sales\n" }));
    expect(err.code).toBe("missing_column");
    expect(err.message).toContain("the file has no 'user principal name' column");
  });

  it("refuses an empty CSV, both lists, neither, and more than 1,000 users", () => {
    expect(errorOf(() => readScopingUsers({ csv: "user principal name\n" })).message).toMatch(
      /^csv: the file lists no users/,
    );
    expect(errorOf(() => readScopingUsers({ users: ["a@b.c"], csv: "a@b.c" })).message).toMatch(/not both/);
    expect(errorOf(() => readScopingUsers({})).details).toEqual({ column: "users" });
    const many = Array.from({ length: 1001 }, (_, i) => `user${i}@contoso.com`);
    expect(errorOf(() => readScopingUsers({ users: many })).message).toBe(
      "users: the request names 1,001 users; at most 1,000 can be changed in one request. Split the list into several requests.",
    );
    expect(readScopingUsers({ users: many.slice(0, 1000) }).candidates).toHaveLength(1000);
    expect(errorOf(() => readScopingUsers({ csv: `upn\n${many.join("\n")}` })).details).toEqual({ column: "csv" });
  });
});

describe("the request bodies", () => {
  it("reads a start request", () => {
    const request = parseStartScoring({
      policyIds: [POLICY.toUpperCase(), POLICY],
      users: ["sarad@contoso.com"],
      days: 14,
      reason: "Investigation 42",
    });
    expect(request.policyIds).toEqual([POLICY]);
    expect(request.days).toBe(14);
    expect(request.users.candidates).toHaveLength(1);
  });

  it("names a bad policy id, an unknown field and a missing reason", () => {
    const base = { policyIds: [POLICY], users: ["a@b.c"], days: 10, reason: "r" };
    expect(errorOf(() => parseStartScoring({ ...base, policyIds: [] })).details).toEqual({ column: "policyIds" });
    expect(errorOf(() => parseStartScoring({ ...base, policyIds: [POLICY, "Departing"] })).message).toBe(
      'policyIds[1]: "Departing" is not a policy id (GET /api/policies lists them).',
    );
    expect(errorOf(() => parseStartScoring({ ...base, duration: 3 })).message).toBe(
      "duration: unknown field; this request takes policyIds, users, csv, days, reason.",
    );
    const { reason: _, ...withoutReason } = base;
    expect(errorOf(() => parseStartScoring(withoutReason)).details).toEqual({ column: "reason" });
    expect(errorOf(() => parseStartScoring([])).code).toBe("invalid_request");
  });

  it("reads a remove request with or without a reason", () => {
    expect(parseRemoveScoring({ users: ["a@b.c"] }).reason).toBeNull();
    expect(parseRemoveScoring({ csv: "user principal name\na@b.c", reason: " closed " }).reason).toBe("closed");
    expect(errorOf(() => parseRemoveScoring({ users: ["a@b.c"], days: 5 })).details).toEqual({ column: "days" });
  });
});

describe("the window of a manual entry", () => {
  it("scores the 90 days before the start's day through the end's day", () => {
    expect(manualWindow("2026-03-10T08:00:00.000Z", "2026-03-24T08:00:00.000Z")).toEqual({
      firstDay: "2025-12-10",
      endDay: "2026-03-25",
    });
  });

  it("reads database timestamps with an offset and microseconds", () => {
    expect(manualWindow("2026-03-10 23:30:00.123456+00", "2026-03-15T01:00:00+02:00")).toEqual({
      firstDay: "2025-12-10",
      endDay: "2026-03-15",
    });
  });
});

describe("which entries are running", () => {
  const entry = (userId: string, startsAt: string, endsAt: string): ManualEntry => ({
    userId,
    policyId: POLICY,
    startsAt,
    endsAt,
  });
  const sara = entry("sara", "2026-03-10T08:00:00Z", "2026-03-24T08:00:00Z");
  const bob = entry("bob", "2026-03-10T08:00:00Z", "2026-03-15T08:00:00Z");

  it("runs from the start until the end", () => {
    expect(manualEntryState(sara, [], "2026-03-12T00:00:00Z")).toEqual({
      status: "active",
      endsAt: "2026-03-24T08:00:00.000000Z",
      endedBy: null,
    });
    expect(manualEntryState(sara, [], "2026-03-24T08:00:00Z")).toMatchObject({ status: "ended", endedBy: "duration" });
    expect(activeManualEntries([sara, bob], [], "2026-03-20T00:00:00Z")).toEqual([sara]);
    expect(activeManualEntries([sara, bob], [], "2026-03-10T07:59:59Z")).toEqual([]);
  });

  it("ends at the user's removal, and a removal before the start or of another user changes nothing", () => {
    const removals = [
      { userId: "sara", removedAt: "2026-03-12T09:30:00.5Z" },
      { userId: "bob", removedAt: "2026-03-01T00:00:00Z" },
    ];
    expect(manualEntryState(sara, removals, "2026-03-13T00:00:00Z")).toEqual({
      status: "ended",
      endsAt: "2026-03-12T09:30:00.500000Z",
      endedBy: "removal",
    });
    // Not yet removed at that time.
    expect(manualEntryState(sara, removals, "2026-03-11T00:00:00Z").status).toBe("active");
    expect(activeManualEntries([sara, bob], removals, "2026-03-13T00:00:00Z")).toEqual([bob]);
    // A new entry after the removal runs again.
    const again = entry("sara", "2026-03-12T10:00:00Z", "2026-03-20T10:00:00Z");
    expect(activeManualEntries([sara, again], removals, "2026-03-13T00:00:00Z")).toEqual([again]);
  });

  it("treats a removal at the very start as ending the entry (a trigger at or before a removal is ignored)", () => {
    const removals = [{ userId: "bob", removedAt: "2026-03-10T08:00:00Z" }];
    expect(manualEntryState(bob, removals, "2026-03-10T08:00:00Z").endedBy).toBe("removal");
  });
});
