import { describe, expect, it } from "vitest";
import { applyTransforms, domainOf, extensionOf, fileNameOf, type Transform } from "./transforms.ts";

const t = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra }) as Transform;

describe("value transforms", () => {
  it("takes the domain of an e-mail address or a URL", () => {
    expect(domainOf("Pat@Fabrikam.COM")).toBe("fabrikam.com");
    expect(domainOf("Pat Doe <pat@fabrikam.com>")).toBe("fabrikam.com");
    expect(domainOf("https://www.Dropbox.com:443/home?x=1")).toBe("www.dropbox.com");
    expect(domainOf("www.example.org/path")).toBe("www.example.org");
    expect(domainOf("")).toBeNull();
  });

  it("takes a file name and its extension from a path or URL", () => {
    expect(fileNameOf("C:\\Users\\megan\\Budget 2025.XLSX")).toBe("Budget 2025.XLSX");
    expect(fileNameOf("https://contoso.sharepoint.com/sites/a/Plan.docx?web=1")).toBe("Plan.docx");
    expect(extensionOf("C:\\Users\\megan\\Budget 2025.XLSX")).toBe("xlsx");
    expect(extensionOf("archive.tar.gz")).toBe("gz");
    expect(extensionOf("Exports")).toBeNull();
    expect(extensionOf(".profile")).toBeNull();
    expect(extensionOf("name.")).toBeNull();
  });

  it("applies transforms in order, item by item on lists", () => {
    expect(applyTransforms([t("split"), t("domain")], "a@x.com; b@Y.com,c@x.com")).toEqual({
      ok: true,
      value: ["x.com", "y.com", "x.com"],
    });
    expect(applyTransforms([t("split", { separator: "|" }), t("upper")], "a|b")).toEqual({
      ok: true,
      value: ["A", "B"],
    });
    expect(applyTransforms([t("first")], ["a", "b"])).toEqual({ ok: true, value: "a" });
    expect(applyTransforms([t("last")], ["a", "b"])).toEqual({ ok: true, value: "b" });
    expect(applyTransforms([t("count")], ["a", "b"])).toEqual({ ok: true, value: 2 });
    expect(applyTransforms([t("count")], undefined)).toEqual({ ok: true, value: 0 });
    expect(applyTransforms([t("lower")], "  MiXed ")).toEqual({ ok: true, value: "mixed" });
  });

  it("reads numbers and Booleans, and says when a value is not one", () => {
    expect(applyTransforms([t("number")], " 42.5 ")).toEqual({ ok: true, value: 42.5 });
    expect(applyTransforms([t("number")], "")).toEqual({ ok: true, value: null });
    expect(applyTransforms([t("number")], "12 KB")).toEqual({ ok: false, reason: "'12 KB' is not a number." });
    expect(applyTransforms([t("boolean")], "Yes")).toEqual({ ok: true, value: true });
    expect(applyTransforms([t("boolean")], "maybe")).toEqual({ ok: false, reason: "'maybe' is not true or false." });
  });

  it("maps values (exact first, then in any case) and passes others through", () => {
    const map = {
      name: "map",
      values: { "1": "Low", high: "High" },
      lowerKeys: new Map<string, unknown>([
        ["1", "Low"],
        ["high", "High"],
      ]),
    } as Transform;
    expect(applyTransforms([map], 1)).toEqual({ ok: true, value: "Low" });
    expect(applyTransforms([map], "HIGH")).toEqual({ ok: true, value: "High" });
    expect(applyTransforms([map], "Medium")).toEqual({ ok: true, value: "Medium" });
  });
});
