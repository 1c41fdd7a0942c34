import { describe, expect, it } from "vitest";
import { JsonTextCache, PathJsonError, parsePath, walk } from "./paths.ts";

function at(value: unknown, text: string): unknown {
  const parsed = parsePath(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return walk(value, parsed.path.steps, 0, new JsonTextCache());
}

describe("field paths", () => {
  const record = {
    actor: { email: "megan@contoso.com" },
    events: [
      {
        name: "download",
        parameters: [
          { name: "doc_title", value: "Plan.docx" },
          { name: "old_value", multiValue: ["a", "b"] },
        ],
      },
    ],
    target: [
      { type: "AppInstance", displayName: "Salesforce" },
      { type: "User", alternateId: "pat@contoso.com" },
    ],
    "a.b": { c: 1 },
    AuditData: '{"SourceFileName":"Budget.xlsx","Nested":{"List":[{"Id":1},{"Id":2}]}}',
  };

  it("reads names, indexes (from the end too), searches by a field and every item", () => {
    expect(at(record, "actor.email")).toBe("megan@contoso.com");
    expect(at(record, "events[0].name")).toBe("download");
    expect(at(record, "events[-1].name")).toBe("download");
    expect(at(record, "events[0].parameters[name=doc_title].value")).toBe("Plan.docx");
    expect(at(record, "events[0].parameters[name='old_value'].multiValue[1]")).toBe("b");
    expect(at(record, "target[type=User].alternateId")).toBe("pat@contoso.com");
    expect(at(record, "target[*].type")).toEqual(["AppInstance", "User"]);
    expect(at(record, '["a.b"].c')).toBe(1);
  });

  it("matches names and searched values in any case when the exact name is absent", () => {
    expect(at(record, "Actor.Email")).toBe("megan@contoso.com");
    expect(at(record, "target[type=user].alternateId")).toBe("pat@contoso.com");
  });

  it("goes into a text holding JSON (a column such as AuditData)", () => {
    expect(at(record, "AuditData.SourceFileName")).toBe("Budget.xlsx");
    expect(at(record, "AuditData.Nested.List[*].Id")).toEqual([1, 2]);
  });

  it("gives undefined for what is not there", () => {
    expect(at(record, "actor.name")).toBeUndefined();
    expect(at(record, "events[3].name")).toBeUndefined();
    expect(at(record, "target[type=Group].id")).toBeUndefined();
    expect(at(record, "actor.email.domain")).toBeUndefined();
  });

  it("says why a text on the way is not JSON", () => {
    expect(() => at({ AuditData: "{not json" }, "AuditData.X")).toThrow(PathJsonError);
    expect(() => at({ AuditData: "{not json" }, "AuditData.X")).toThrow(/the value is not valid JSON/);
    expect(at({ AuditData: "plain" }, "AuditData.X")).toBeUndefined();
  });

  it("refuses malformed paths naming the character", () => {
    const reason = (text: string) => {
      const r = parsePath(text);
      return r.ok ? "ok" : r.reason;
    };
    expect(reason("a..b")).toMatch(/^'a\.\.b' is not a valid path: an empty name at character 3\./);
    expect(reason("a[0")).toMatch(/a '\[' without its '\]' at character 2/);
    expect(reason("a]")).toMatch(/a '\]' without its '\[' at character 2/);
    expect(reason("a.")).toMatch(/a path ending in '\.'/);
    expect(reason("a[x]")).toMatch(/'\[x\]' is not an index \(\[0\]\), \[\*\], a search/);
    expect(reason("a[=b]")).toMatch(/needs a field name before '='/);
    expect(reason("a[0]b")).toMatch(/a name right after '\]'/);
    expect(reason("")).toMatch(/the path is empty/);
  });
});
