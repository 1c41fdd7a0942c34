import { describe, expect, it } from "vitest";
import { AppError } from "../../errors.ts";
import type { RowOutcome } from "../rows.ts";
import { compileMapping } from "./mapping.ts";
import { readyMadeMapping } from "./mappings/index.ts";
import { planActivityCsv, planActivityJson } from "./plan.ts";

/** A mail gateway's export: one row per message, recipients separated by ';'. */
const MAIL_GATEWAY = {
  name: "Mail gateway",
  user: { path: "Sender", transform: ["lower"] },
  time: "SentAt",
  eventId: "MessageId",
  activity: {
    path: "Direction",
    map: {
      Outbound: [
        {
          when: {
            AttachmentCount: { notIn: [0] },
            Recipients: { in: ["gmail.com", "outlook.com", "yahoo.com"], transform: ["split", "domain"] },
          },
          type: "email.sentToFreeDomain",
        },
        {
          when: {
            AttachmentCount: { notIn: [0] },
            Recipients: { notIn: ["contoso.com"], transform: ["split", "domain"] },
          },
          type: "email.sentExternally",
        },
      ],
      Inbound: null,
    },
  },
  attributes: {
    recipients: { path: "Recipients", transform: ["split", "lower"] },
    recipientCount: { path: "Recipients", transform: ["split", "count"] },
    destinationDomain: { path: "Recipients", transform: ["split", "domain", "first"] },
    subject: "Subject",
    attachmentCount: "AttachmentCount",
  },
};

const HEADER = ["Sender", "SentAt", "MessageId", "Direction", "Recipients", "Subject", "AttachmentCount"];

function signal(outcome: RowOutcome) {
  if (!outcome.ok) throw new Error(`not a signal: ${outcome.reason}`);
  return outcome.signal;
}

describe("mapping records with a custom mapping (CSV)", () => {
  const model = compileMapping(MAIL_GATEWAY);

  it("picks the type by conditions on other fields: free mail domain, partner, internal", () => {
    const plan = planActivityCsv(model, HEADER, ",");
    const free = plan.map([
      "Megan@Contoso.com",
      "2025-03-01T10:00:00Z",
      "<m1@contoso.com>",
      "Outbound",
      "megan.home@GMAIL.com",
      "cv",
      "2",
    ]);
    expect(signal(free)).toEqual({
      kind: "activity.email.sentToFreeDomain",
      upn: "megan@contoso.com",
      occurredAt: "2025-03-01T10:00:00Z",
      sourceValue: null,
      dedupeId: "<m1@contoso.com>",
      attributes: {
        recipients: ["megan.home@gmail.com"],
        recipientCount: 1,
        destinationDomain: "gmail.com",
        subject: "cv",
        attachmentCount: 2,
        sourceOperation: "Outbound",
      },
    });
    const partner = plan.map([
      "megan@contoso.com",
      "2025-03-01T10:05:00Z",
      "<m2@contoso.com>",
      "outbound",
      "pat@fabrikam.com; alex@contoso.com",
      "offer",
      "1",
    ]);
    expect(signal(partner)).toMatchObject({
      kind: "activity.email.sentExternally",
      attributes: {
        recipients: ["pat@fabrikam.com", "alex@contoso.com"],
        recipientCount: 2,
        sourceOperation: "outbound",
      },
    });
    const internal = plan.map([
      "megan@contoso.com",
      "2025-03-01T10:06:00Z",
      "<m3>",
      "Outbound",
      "alex@contoso.com",
      "",
      "1",
    ]);
    const noAttachment = plan.map([
      "megan@contoso.com",
      "2025-03-01T10:07:00Z",
      "<m4>",
      "Outbound",
      "pat@gmail.com",
      "",
      "0",
    ]);
    const inbound = plan.map([
      "megan@contoso.com",
      "2025-03-01T10:08:00Z",
      "<m5>",
      "Inbound",
      "megan@contoso.com",
      "",
      "1",
    ]);
    const other = plan.map(["megan@contoso.com", "2025-03-01T10:09:00Z", "<m6>", "Journal", "x@contoso.com", "", "1"]);
    for (const o of [internal, noAttachment, inbound, other]) expect(o).toMatchObject({ ok: false, skip: true });
    expect(plan.finish?.()).toEqual([
      "4 rows were skipped: operations this mapping does not import (Inbound ×1, Journal ×1); records of imported operations that matched none of their conditions (Outbound ×2).",
    ]);
  });

  it("rejects a row without a valid user or time, or with a bad attribute value, naming the column", () => {
    const plan = planActivityCsv(model, HEADER, ",");
    const row = (over: Partial<Record<string, string>>) =>
      HEADER.map(
        (h) =>
          over[h] ??
          {
            Sender: "megan@contoso.com",
            SentAt: "2025-03-01T10:00:00Z",
            MessageId: "<m>",
            Direction: "Outbound",
            Recipients: "pat@gmail.com",
            Subject: "s",
            AttachmentCount: "1",
          }[h] ??
          "",
      );
    expect(plan.map(row({ Sender: "" }))).toMatchObject({
      ok: false,
      column: "Sender",
      reason: "the value is empty; every record needs a user (user principal name).",
    });
    expect(plan.map(row({ Sender: "Megan Bowen" }))).toMatchObject({
      column: "Sender",
      reason: "'megan bowen' is not a user principal name (name@domain).",
    });
    expect(plan.map(row({ SentAt: "03/01/2025 10:00" }))).toMatchObject({
      column: "SentAt",
      reason: expect.stringMatching(/^'03\/01\/2025 10:00' is not an ISO 8601 date and time/),
    });
    expect(plan.map(row({ AttachmentCount: "two" }))).toMatchObject({
      ok: false,
      column: "AttachmentCount",
      reason: "attachmentCount: 'two' is not a number.",
    });
    expect(plan.map(row({ Direction: "" }))).toMatchObject({
      column: "Direction",
      reason: "the value is empty; every record needs an operation (the mapping's activity.path).",
    });
  });

  it("refuses a file without a column the mapping needs, and warns about optional ones", () => {
    expect(() => planActivityCsv(model, ["Sender", "SentAt", "MessageId", "Recipients"], ",")).toThrow(AppError);
    expect(() => planActivityCsv(model, ["Sender", "SentAt", "MessageId", "Dirction", "Recipients"], ",")).toThrow(
      "Line 1: the file has no column 'Direction' (activity.path of the mapping); the whole file was refused. Did you mean 'Dirction'? The header has: Sender, SentAt, MessageId, Dirction, Recipients.",
    );
    const plan = planActivityCsv(model, ["sender", "SENTAT", "direction", "Recipients", "AttachmentCount"], ",");
    expect(plan.warnings).toEqual([
      "The file has no column 'MessageId', 'Subject' that the mapping reads; their values were left empty.",
    ]);
    const outcome = plan.map(["megan@contoso.com", "2025-03-01T10:00:00Z", "Outbound", "pat@gmail.com", "1"]);
    expect(signal(outcome).dedupeId).toBeUndefined();
    expect(signal(outcome).attributes.subject).toBeUndefined();
  });

  it("fits short and long rows to the header and says so", () => {
    const plan = planActivityCsv(model, HEADER, ",");
    expect(plan.map(["megan@contoso.com", "2025-03-01T10:00:00Z", "<m>", "Outbound", "pat@gmail.com"])).toMatchObject({
      ok: true,
      fix: "padded",
    });
  });
});

describe("a column holding JSON (the Microsoft 365 audit log's AuditData)", () => {
  const model = compileMapping(readyMadeMapping("m365-audit-log")?.document);
  const header = ["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"];
  const row = (operation: string, audit: Record<string, unknown> | string, id = "r1") => [
    id,
    "2025-03-03T09:14:05.0000000Z",
    "6",
    operation,
    "megan.bowen@contoso.com",
    typeof audit === "string" ? audit : JSON.stringify({ CreationTime: "2025-03-03T09:14:05", ...audit }),
  ];

  it("reads attributes by paths inside the JSON, with conditions on its fields", () => {
    const plan = planActivityCsv(model, header, ",");
    const sp = signal(
      plan.map(
        row("FileDownloaded", {
          Workload: "SharePoint",
          ObjectId: "https://contoso.sharepoint.com/sites/F/Shared Documents/Budget.XLSX",
          SiteUrl: "https://contoso.sharepoint.com/sites/F/",
          SourceFileName: "Budget.XLSX",
        }),
      ),
    );
    expect(sp).toMatchObject({
      kind: "activity.file.downloadedFromDocumentSite",
      dedupeId: "r1",
      attributes: {
        fileName: "Budget.XLSX",
        fileExtension: "xlsx",
        siteUrl: "https://contoso.sharepoint.com/sites/F/",
      },
    });
    const od = signal(plan.map(row("FileDownloaded", { Workload: "OneDrive", SourceFileName: "a.csv" }, "r2")));
    expect(od.kind).toBe("activity.file.downloadedFromCloudStorage");
    const guest = signal(
      plan.map(
        row(
          "SharingInvitationCreated",
          { ItemType: "Folder", TargetUserOrGroupType: "Guest", TargetUserOrGroupName: "pat@fabrikam.com" },
          "r3",
        ),
      ),
    );
    expect(guest).toMatchObject({
      kind: "activity.folder.sharedExternally",
      attributes: { sharedWith: ["pat@fabrikam.com"], destinationDomain: "fabrikam.com", sharingType: "Guest" },
    });
    expect(
      plan.map(row("SharingInvitationCreated", { ItemType: "File", TargetUserOrGroupType: "Member" }, "r4")),
    ).toMatchObject({ ok: false, skip: true });
  });

  it("rejects a row whose JSON column is broken, naming the column", () => {
    const plan = planActivityCsv(model, header, ",");
    expect(plan.map(row("FileDownloaded", '{"Workload": "SharePoint", '))).toMatchObject({
      ok: false,
      column: "AuditData",
      reason: expect.stringMatching(/^the value is not valid JSON \(/),
    });
  });

  it("reads lists through [*] (sensitive information types of an Endpoint DLP record)", () => {
    const plan = planActivityCsv(model, header, ",");
    const usb = signal(
      plan.map(
        row("FileCopiedToRemovableMedia", {
          ObjectId: "C:\\Users\\megan\\Customers.csv",
          DeviceName: "LAPTOP-1",
          FileSize: 1024,
          SensitiveInfoTypeData: [{ SensitiveInfoTypeName: "Credit Card Number" }, { SensitiveInfoTypeName: "IBAN" }],
        }),
      ),
    );
    expect(usb).toMatchObject({
      kind: "activity.file.copiedToRemovableMedia",
      attributes: {
        fileName: "Customers.csv",
        fileExtension: "csv",
        fileSize: 1024,
        device: "LAPTOP-1",
        sensitiveInfoTypes: ["Credit Card Number", "IBAN"],
      },
    });
  });
});

describe("mapping JSON records", () => {
  it("finds parameters by name (Google Workspace Drive) and identifies events by combined fields", () => {
    const plan = planActivityJson(compileMapping(readyMadeMapping("google-workspace-drive")?.document));
    const activity = {
      id: { time: "2025-03-05T10:00:01.120Z", uniqueQualifier: "-34" },
      actor: { email: "Megan@Contoso.com" },
      events: [
        {
          name: "download",
          parameters: [
            { name: "doc_title", value: "Pipeline.xlsx" },
            { name: "visibility", value: "private" },
          ],
        },
      ],
    };
    expect(signal(plan.map({ value: activity, number: 1 }))).toEqual({
      kind: "activity.file.downloadedFromCloudStorage",
      upn: "megan@contoso.com",
      occurredAt: "2025-03-05T10:00:01.12Z",
      sourceValue: null,
      dedupeId: "2025-03-05T10:00:01.120Z|-34",
      attributes: { fileName: "Pipeline.xlsx", fileExtension: "xlsx", sourceOperation: "download" },
    });
  });

  it("takes the user from elsewhere for one case (Okta privilege grant: the target user)", () => {
    const plan = planActivityJson(compileMapping(readyMadeMapping("okta-system-log")?.document));
    const event = {
      uuid: "u-1",
      published: "2025-03-06T08:30:00.000Z",
      eventType: "user.account.privilege.grant",
      actor: { alternateId: "it.admin@contoso.com" },
      target: [{ type: "User", alternateId: "megan.bowen@contoso.com" }],
      debugContext: { debugData: { privilegeGranted: "Super administrator" } },
      outcome: { result: "SUCCESS" },
    };
    expect(signal(plan.map({ value: event, number: 1 }))).toMatchObject({
      kind: "activity.security.privilegeGranted",
      upn: "megan.bowen@contoso.com",
      dedupeId: "u-1",
      attributes: { privilege: "Super administrator", initiatedBy: "it.admin@contoso.com" },
    });
  });

  it("rejects a record that is not an object, and a value that is an object where text is expected", () => {
    const plan = planActivityJson(
      compileMapping({
        name: "t",
        user: "user",
        time: "time",
        activity: { path: "op", map: { print: "file.printed" } },
        attributes: { fileName: "file" },
      }),
    );
    expect(plan.map({ value: [1, 2], number: 3 })).toMatchObject({
      ok: false,
      column: null,
      reason: "the record is an array, not a JSON object.",
    });
    expect(
      plan.map({ value: { user: "a@b.c", time: "2025-01-01T00:00:00Z", op: "print", file: { name: "x" } }, number: 4 }),
    ).toMatchObject({
      ok: false,
      column: "file",
      reason: "fileName: the value is an object, not text; point the path at a field inside it.",
    });
  });

  it("uses a constant and a default, and without an event ID leaves the identity to the mapped fields", () => {
    const plan = planActivityJson(
      compileMapping({
        name: "t",
        user: "user",
        time: "time",
        activity: { path: "op", map: { alert: "security.dlpAlert" } },
        attributes: {
          severity: { path: "sev", transform: [{ map: { "1": "Low", "3": "High" } }], default: "Medium" },
          category: { const: "DataLoss" },
        },
      }),
    );
    const a = signal(plan.map({ value: { user: "a@b.c", time: "2025-01-01", op: "alert", sev: 3 }, number: 1 }));
    const b = signal(plan.map({ value: { user: "a@b.c", time: "2025-01-01", op: "ALERT" }, number: 2 }));
    expect(a.attributes).toEqual({ severity: "High", category: "DataLoss", sourceOperation: "alert" });
    expect(b.attributes).toEqual({ severity: "Medium", category: "DataLoss", sourceOperation: "ALERT" });
    expect(a.dedupeId).toBeUndefined();
    expect(a.occurredAt).toBe("2025-01-01T00:00:00Z");
  });

  it("counts many skipped operations, naming the ten most frequent", () => {
    const plan = planActivityJson(
      compileMapping({ name: "t", user: "u", time: "t", activity: { path: "op", map: { print: "file.printed" } } }),
    );
    for (let i = 0; i < 1100; i++) plan.map({ value: { op: "UserLoggedIn" }, number: i + 1 });
    for (let i = 0; i < 104; i++) plan.map({ value: { op: "FileAccessed" }, number: i + 1 });
    for (let i = 0; i < 12; i++) plan.map({ value: { op: `Op${i}` }, number: i + 1 });
    expect(plan.finish?.()).toEqual([
      "1,216 records were skipped: operations this mapping does not import (UserLoggedIn ×1,100, FileAccessed ×104, Op0 ×1, Op1 ×1, Op10 ×1, Op11 ×1, Op2 ×1, Op3 ×1, Op4 ×1, Op5 ×1, and 4 more).",
    ]);
  });
});
