import { describe, expect, it } from "vitest";
import { parseSiteUrl, siteMatcher } from "./sites.ts";

const reason = (value: unknown) => {
  const parsed = parseSiteUrl(value);
  return parsed.ok ? "ok" : parsed.reason;
};

describe("site URL exclusions", () => {
  it("stores a normalised URL: https by default, host lower-case, path decoded and lower-case, no query or slash at the end", () => {
    expect(parseSiteUrl("Contoso.SharePoint.com/sites/HR/")).toEqual({
      ok: true,
      value: "https://contoso.sharepoint.com/sites/hr",
    });
    expect(parseSiteUrl("https://contoso.sharepoint.com/sites/HR/Shared%20Documents?web=1#top")).toEqual({
      ok: true,
      value: "https://contoso.sharepoint.com/sites/hr/shared documents",
    });
    expect(parseSiteUrl("http://intranet:8080/Teams")).toEqual({ ok: true, value: "http://intranet:8080/teams" });
  });

  it("excludes the site and everything under it, whole folder names only, whatever the scheme", () => {
    const excluded = siteMatcher(["https://contoso.sharepoint.com/sites/hr"]);
    expect(excluded("https://contoso.sharepoint.com/sites/HR")).toBe("https://contoso.sharepoint.com/sites/hr");
    expect(excluded("http://CONTOSO.sharepoint.com/sites/hr/Shared%20Documents/a.docx?x=1")).not.toBeNull();
    expect(excluded("contoso.sharepoint.com/sites/hr/x")).not.toBeNull();
    expect(excluded("https://contoso.sharepoint.com/sites/hrteam")).toBeNull();
    expect(excluded("https://contoso.sharepoint.com/sites")).toBeNull();
    expect(excluded("https://fabrikam.sharepoint.com/sites/hr")).toBeNull();
    expect(excluded("not a url")).toBeNull();
    expect(siteMatcher(["https://contoso.sharepoint.com"])("https://contoso.sharepoint.com/sites/any")).not.toBeNull();
  });

  it("refuses what is not an http(s) site URL", () => {
    expect(reason("ftp://contoso.com/x")).toBe(
      "has the scheme ftp:; site URLs are http or https, such as https://contoso.sharepoint.com/sites/Finance.",
    );
    expect(reason("https://")).toBe("is not a URL; write a site such as https://contoso.sharepoint.com/sites/Finance.");
    expect(reason("https://bo:pw@contoso.com/x")).toBe("contains a user name or password; leave them out.");
    expect(reason("")).toBe("is empty; write a site such as https://contoso.sharepoint.com/sites/Finance.");
  });
});

describe("site URL reading", () => {
  it("reads simple URLs the same way the URL parser does", () => {
    const urls = [
      "https://Contoso.SharePoint.com:443/sites/HR/Shared%20Documents/a.docx?x#y",
      "http://intranet:80/a/b",
      "http://intranet:8080/a/%E2%82%AC",
      "contoso.sharepoint.com/sites/x/",
      "https://contoso.sharepoint.com/sites/./x/../y",
      "https://user@contoso.com/x",
      "https://contoso.com\\sites\\x",
      "https://bücher.de/x",
    ];
    const viaParser = (u: string) => {
      const url = new URL(/^[a-z]+:\/\//i.test(u) ? u : `https://${u}`);
      const segments = url.pathname
        .split("/")
        .filter((s) => s !== "")
        .map((s) => decodeURIComponent(s).toLowerCase());
      return `${url.protocol}//${url.host}${segments.map((s) => `/${s}`).join("")}`;
    };
    for (const u of urls) {
      if (u.includes("user@")) continue;
      expect(parseSiteUrl(u)).toEqual({ ok: true, value: viaParser(u) });
    }
    const m = siteMatcher(["https://contoso.sharepoint.com/sites/y"]);
    expect(m("https://contoso.sharepoint.com/sites/./x/../y/z")).not.toBeNull();
    expect(m("https://CONTOSO.sharepoint.com:443/sites/Y")).not.toBeNull();
  });
});
