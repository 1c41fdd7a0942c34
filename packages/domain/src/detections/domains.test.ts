import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DomainEntry, DomainSet, hostOf, parseDomainEntry } from "./domains.ts";

const entry = (value: unknown): DomainEntry => {
  const parsed = parseDomainEntry(value);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};
const reason = (value: unknown) => {
  const parsed = parseDomainEntry(value);
  return parsed.ok ? "ok" : parsed.reason;
};
const set = (...values: unknown[]) => new DomainSet(values.map(entry));

describe("domain entries", () => {
  it("normalises case, trailing dots and internationalised names (punycode)", () => {
    expect(entry(" Contoso.COM. ")).toEqual({ domain: "contoso.com", includeMultiLevelSubdomains: false });
    expect(entry("*.Bücher.de")).toEqual({ domain: "*.xn--bcher-kva.de", includeMultiLevelSubdomains: false });
    expect(entry({ domain: "*.contoso.com", includeMultiLevelSubdomains: true })).toEqual({
      domain: "*.contoso.com",
      includeMultiLevelSubdomains: true,
    });
  });

  it("refuses schemes, paths, ports, e-mail addresses and bad labels, showing the domain to write", () => {
    expect(reason("https://contoso.com/x")).toBe("has a scheme; write the domain alone: contoso.com.");
    expect(reason("contoso.com/sites")).toBe("has a path; write the domain alone: contoso.com.");
    expect(reason("contoso.com:443")).toBe("has a port; write the domain alone: contoso.com.");
    expect(reason("alex@Contoso.com")).toBe("is an e-mail address; write its domain: contoso.com.");
    expect(reason("sales.*.contoso.com")).toBe(
      "has a wildcard that is not at the start; write *.contoso.com to match the domains under contoso.com.",
    );
    expect(reason("-bad.contoso.com")).toBe(
      'has an invalid label "-bad": labels are 1–63 letters, digits or hyphens, not starting or ending with a hyphen.',
    );
    expect(reason("con_toso.com")).toMatch(/^has an invalid label "con_toso"/);
    expect(reason("contoso..com")).toBe(
      "has an empty label (two dots in a row, or a dot at the start); write it as contoso.com.",
    );
    expect(reason(`${"a".repeat(64)}.com`)).toMatch(/^has an invalid label/);
    expect(reason("10.0.0.1")).toBe("is an IP address; the lists hold domain names such as contoso.com.");
    expect(reason("com")).toBe(
      "is a top-level domain alone; write a domain such as contoso.com, or *.com for every domain under it.",
    );
    expect(reason("*.ru")).toBe("ok");
    expect(reason("")).toBe("is empty; write a domain such as contoso.com.");
    expect(reason("a.com b.com")).toBe(
      "contains a space or control character; write one domain per entry, such as contoso.com.",
    );
    expect(reason({ domain: "contoso.com", includeMultiLevelSubdomains: "yes" })).toBe(
      'has includeMultiLevelSubdomains "yes"; it must be true or false.',
    );
    expect(reason({ name: "contoso.com" })).toBe(
      'has an unknown field "name"; an entry has domain and includeMultiLevelSubdomains.',
    );
  });
});

describe("domain matching", () => {
  it("matches a plain domain exactly, or with every subdomain when multi-level is on", () => {
    const plain = set("contoso.com");
    expect(plain.has("contoso.com")).toBe(true);
    expect(plain.has("sales.contoso.com")).toBe(false);
    expect(plain.has("notcontoso.com")).toBe(false);
    const withSubs = set({ domain: "contoso.com", includeMultiLevelSubdomains: true });
    expect(withSubs.has("contoso.com")).toBe(true);
    expect(withSubs.has("a.b.contoso.com")).toBe(true);
    expect(withSubs.has("notcontoso.com")).toBe(false);
  });

  it("matches *.contoso.com one level down only, or at any depth with multi-level; never contoso.com itself", () => {
    const oneLevel = set("*.contoso.com");
    expect(oneLevel.has("sales.contoso.com")).toBe(true);
    expect(oneLevel.has("eu.sales.contoso.com")).toBe(false);
    expect(oneLevel.has("contoso.com")).toBe(false);
    expect(oneLevel.has("sales.contoso.com.evil.net")).toBe(false);
    const anyLevel = set({ domain: "*.contoso.com", includeMultiLevelSubdomains: true });
    expect(anyLevel.has("sales.contoso.com")).toBe(true);
    expect(anyLevel.has("eu.sales.contoso.com")).toBe(true);
    expect(anyLevel.has("contoso.com")).toBe(false);
  });

  it("finds the host in e-mail addresses and URLs", () => {
    expect(hostOf("Alex Wilber <Alex@Sales.Contoso.com>")).toBe("sales.contoso.com");
    expect(hostOf("https://user:pw@Files.Contoso.com:8443/a/b?c#d")).toBe("files.contoso.com");
    expect(hostOf("contoso.com/path")).toBe("contoso.com");
    expect(hostOf("mailto:bo@fabrikam.com")).toBe("fabrikam.com");
    expect(hostOf("https://bücher.de/")).toBe("xn--bcher-kva.de");
    expect(hostOf("   ")).toBeNull();
    const s = set("*.contoso.com");
    expect(s.has("bo@hr.contoso.com")).toBe(true);
    expect(s.has("https://hr.contoso.com/x")).toBe(true);
  });
});

describe("domain matching properties", () => {
  const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  it("property: *.base matches exactly one more label, or one or more with multi-level; never base itself", () => {
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), fc.array(label, { maxLength: 4 }), (base, extra) => {
        const baseName = `${base.join(".")}.com`;
        const host = [...extra, baseName].join(".");
        expect(set(`*.${baseName}`).has(host)).toBe(extra.length === 1);
        expect(set({ domain: `*.${baseName}`, includeMultiLevelSubdomains: true }).has(host)).toBe(extra.length >= 1);
        expect(set({ domain: baseName, includeMultiLevelSubdomains: true }).has(host)).toBe(true);
        expect(set(baseName).has(host)).toBe(extra.length === 0);
      }),
    );
  });
});
