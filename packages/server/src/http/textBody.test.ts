import { describe, expect, it } from "vitest";
import { textBodyOf } from "./textBody.ts";

const opts = { field: "csv", what: "asset list", example: "AssetId\nMid-Sec-7" };

describe("list uploads as text", () => {
  it("takes the body as text, as bytes, or under the JSON field", () => {
    expect(textBodyOf("AssetId\nA-1\n", opts)).toBe("AssetId\nA-1\n");
    expect(textBodyOf(Buffer.from("AssetId\nA-1\n"), opts)).toBe("AssetId\nA-1\n");
    expect(textBodyOf({ csv: "AssetId\nA-1\n" }, opts)).toBe("AssetId\nA-1\n");
  });

  it("tells what to send otherwise, with an example", () => {
    expect(() => textBodyOf({ assets: ["A-1"] }, opts)).toThrow(
      'Send the asset list as the body (Content-Type text/csv or text/plain), or as JSON {"csv": "AssetId\\nMid-Sec-7"}.',
    );
    expect(() => textBodyOf(undefined, opts)).toThrow(/Send the asset list/);
  });
});
