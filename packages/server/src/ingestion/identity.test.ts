import { createHash } from "node:crypto";
import { type MappedSignal, signalIdentity } from "@openirm/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support.ts";
import { migrate } from "../store/migrate.ts";
import { CopyTextBuffer, copyJson, copyText } from "./copyText.ts";
import { dedupeUuid, IdentityText } from "./identity.ts";

const name = fc.oneof(fc.constantFrom("UPN", "Time", "Alert_Count", "a", "B", "é", "Ä", "__proto", ""), fc.string());
const value = fc.oneof(
  fc.string(),
  fc.constantFrom(null, true, false, 0, -0, 1.5, -3, 1e21, Number.NaN, Number.POSITIVE_INFINITY),
  fc.double(),
);
const signal = fc.record({
  kind: fc.constantFrom("indicator", "hr.resignation"),
  upn: fc.string(),
  occurredAt: fc.constantFrom("2026-01-01T00:00:00Z", "2023-04-24T05:52:56.962686Z"),
  sourceValue: fc.oneof(fc.constant(null), fc.string()),
  attributes: fc.dictionary(name, value, { maxKeys: 8 }),
});

describe("IdentityText", () => {
  it("gives signalIdentity's text, so keys match those stored before", () => {
    fc.assert(
      fc.property(fc.array(signal, { minLength: 1, maxLength: 6 }), (signals) => {
        // One instance for a run's signals: the attribute order it caches must follow the names.
        const identity = new IdentityText("UPN", "Time");
        for (const s of signals as MappedSignal[]) {
          expect(identity.of(s)).toBe(signalIdentity(s, "UPN", "Time"));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("keys a signal with the first 128 bits of that text's SHA-256, as a uuid", () => {
    const s: MappedSignal = {
      kind: "indicator",
      upn: "sarad@contoso.com",
      occurredAt: "2023-04-24T05:52:56.962686Z",
      sourceValue: "Salesforce",
      attributes: { UPN: "SaraD@contoso.com", Time: "2023-04-24T05:52:56.9626861Z", Count: 3, Note: 'a "b"' },
    };
    const hex = createHash("sha256")
      .update(signalIdentity(s, "UPN", "Time"))
      .digest("hex");
    expect(new IdentityText("UPN", "Time").key(s)).toBe(dedupeUuid(hex));
    expect(dedupeUuid(hex).replaceAll("-", "")).toBe(hex.slice(0, 32));
  });

  it("gives the key the database gives a 64-hex key stored before keys were uuids", async () => {
    const db = await freshDatabase();
    try {
      await migrate(db);
      const hex = createHash("sha256").update("a row sent before the upgrade").digest("hex");
      const { rows } = await db.query<{ key: string; other: string }>(
        "SELECT openirm_dedupe_key($1)::text AS key, openirm_dedupe_key('volume:x:2026-11-21')::text AS other",
        [hex],
      );
      expect(rows[0]?.key).toBe(dedupeUuid(hex));
      expect(rows[0]?.other).toBe(dedupeUuid(createHash("md5").update("volume:x:2026-11-21").digest("hex")));
    } finally {
      await db.close();
    }
  });
});

describe("COPY text format", () => {
  it("escapes backslashes, tabs and line breaks and leaves other text alone", () => {
    expect(copyText("plain text, with é")).toBe("plain text, with é");
    expect(copyText("a\\b\tc\nd\re")).toBe("a\\\\b\\tc\\nd\\re");
    expect(copyJson(JSON.stringify({ a: 'x\\y\n"z"' }))).toBe('{"a":"x\\\\\\\\y\\\\n\\\\"z\\\\""}');
  });

  it("collects rows as UTF-8 lines, growing past its first size", () => {
    const buffer = new CopyTextBuffer(4);
    buffer.addRow("1\tZoë");
    buffer.addRow("2\t\\N");
    expect(buffer.rows).toBe(2);
    expect(buffer.bytes.toString("utf8")).toBe("1\tZoë\n2\t\\N\n");
  });
});
