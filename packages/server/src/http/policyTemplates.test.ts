import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertDirectoryUser, startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
let users: string[];

const ENABLE = [
  "office.documentSiteDownload",
  "office.emailExternal",
  "device.print",
  "security.defenseEvasion",
  "health.restrictedRecordAccess",
  "browsing.malware",
];

beforeAll(async () => {
  server = await startTestServer();
  users = [];
  for (let i = 0; i < 5; i++) users.push(await insertDirectoryUser(server.services.db, `user${i}@contoso.com`));
  for (const id of ENABLE) {
    const res = await server.request({ method: "PATCH", url: `/api/indicators/${id}`, payload: { enabled: true } });
    expect(res.statusCode).toBe(200);
  }
});
afterAll(async () => server.close());

const post = (payload: unknown) => server.request({ method: "POST", url: "/api/policies", payload });

async function priorityGroup(): Promise<string> {
  const id = "6a1c2f3e-1111-4222-8333-444455556666";
  await server.services.db.query(
    `INSERT INTO priority_user_groups (id, name, description, created_by, created_at, updated_at)
     VALUES ($1, 'Executives', null, 'admin', now(), now()) ON CONFLICT DO NOTHING`,
    [id],
  );
  return id;
}

const BODIES: Record<string, () => Promise<Record<string, unknown>>> = {
  "departing-users-data-theft": async () => ({ indicators: [{ indicatorId: "office.emailExternal" }] }),
  "data-leaks": async () => ({
    indicators: [{ indicatorId: "device.print" }],
    triggers: { dlpAlert: true, dlpPolicy: "PCI data", indicators: [{ indicatorId: "office.documentSiteDownload" }] },
    priorityContent: { fileExtensions: [".docx"], sensitivityLabels: ["Highly confidential"] },
    scoreOnlyPriorityContent: true,
  }),
  "data-leaks-priority-users": async () => ({
    scope: { priorityUserGroups: [await priorityGroup()] },
    indicators: [{ indicatorId: "device.print" }],
  }),
  "data-leaks-risky-users": async () => ({ indicators: [{ indicatorId: "office.documentSiteDownload" }] }),
  "security-policy-violations": async () => ({ indicators: [{ indicatorId: "security.defenseEvasion" }] }),
  "security-policy-violations-departing-users": async () => ({
    indicators: [{ indicatorId: "security.defenseEvasion" }],
  }),
  "security-policy-violations-priority-users": async () => ({
    scope: { priorityUserGroups: [await priorityGroup()] },
    indicators: [{ indicatorId: "security.defenseEvasion" }],
  }),
  "security-policy-violations-risky-users": async () => ({ indicators: [{ indicatorId: "security.defenseEvasion" }] }),
  "patient-data-misuse": async () => ({ indicators: [{ indicatorId: "health.restrictedRecordAccess" }] }),
  "risky-browser-usage": async () => ({ indicators: [{ indicatorId: "browsing.malware" }] }),
};

describe("policy templates", () => {
  it("shows every template with its prerequisites, triggers, categories and limits", async () => {
    const res = await server.request({ method: "GET", url: "/api/policy-templates" });
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items.map((t: { id: string }) => t.id)).toEqual(Object.keys(BODIES));
    const leaks = items.find((t: { id: string }) => t.id === "data-leaks");
    expect(leaks).toMatchObject({
      name: "Data leaks",
      limits: { maxPolicies: 5, maxUsersInScope: 15_000, warnAtUsers: 12_000, maxPriorityFileExtensions: 50 },
      customIndicatorTriggers: true,
    });
    expect(leaks.triggerEvents.map((e: { id: string }) => e.id)).toEqual(["dlpAlert", "sequences"]);
    expect(leaks.prerequisites[0]).toMatchObject({ optional: true });
    expect(leaks.triggerIndicators).toContain("office.documentSiteDownload");
  });

  it("creates a policy of each template and returns its full content", async () => {
    for (const [template, body] of Object.entries(BODIES)) {
      const res = await post({ name: `P ${template}`, template, scope: { allUsers: true }, ...(await body()) });
      expect(res.statusCode, `${template}: ${res.body}`).toBe(201);
      expect(res.json().template).toBe(template);
      expect(res.json().warnings).toEqual([]);
    }
    const leaks = (await server.request({ method: "GET", url: "/api/policies" }))
      .json()
      .items.find((p: { template: string }) => p.template === "data-leaks");
    expect(leaks).toMatchObject({
      triggers: {
        hrResignation: false,
        dlpAlert: true,
        sequences: false,
        dlpPolicy: "PCI data",
        indicators: [{ indicatorId: "office.documentSiteDownload", threshold: null, effectiveThreshold: 50 }],
      },
      indicators: [
        { indicatorId: "device.print", name: "Printing files", thresholds: { low: 10, medium: 25, high: 50 } },
      ],
      priorityContent: { fileExtensions: ["docx"], sensitivityLabels: ["Highly confidential"] },
      scoreOnlyPriorityContent: true,
      boosters: { unusualActivity: true, potentialHighImpactUser: true },
      sequenceDetection: { enabled: true },
      cumulativeExfiltration: { enabled: true },
    });
  });

  it("explains what to change for a template's invalid combinations", async () => {
    const res = await post({
      name: "No groups",
      template: "data-leaks-priority-users",
      scope: { users: ["user1@contoso.com"] },
      indicators: [{ indicatorId: "device.print" }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "Data leaks by priority users needs at least one priority user group in scope: add its id under scope.priorityUserGroups (list the priority user groups with GET /api/priority-user-groups).",
    );
    const unknownGroup = await post({
      name: "Unknown group",
      template: "data-leaks-priority-users",
      scope: { priorityUserGroups: ["0d2c0000-0000-4000-8000-000000000000"] },
      indicators: [{ indicatorId: "device.print" }],
    });
    expect(unknownGroup.json().detail).toBe(
      "scope.priorityUserGroups[0]: priority user group '0d2c0000-0000-4000-8000-000000000000' does not exist; list the priority user groups with GET /api/priority-user-groups.",
    );
    const off = await post({
      name: "Off",
      template: "data-leaks",
      scope: { allUsers: true },
      indicators: [{ indicatorId: "device.usbMounted" }],
    });
    expect(off.json().detail).toMatch(
      /^indicators\[0\]\.indicatorId: built-in indicator 'Mounting USB to a device' \(device\.usbMounted\) is not turned on/,
    );
  });

  it("allows five policies per template", async () => {
    for (const name of ["B", "C", "D", "E"]) {
      const res = await post({
        name: `Browsing ${name}`,
        template: "risky-browser-usage",
        scope: { allUsers: true },
        ...(await BODIES["risky-browser-usage"]!()),
      });
      expect(res.statusCode).toBe(201);
    }
    const sixth = await post({
      name: "Browsing F",
      template: "risky-browser-usage",
      scope: { allUsers: true },
      ...(await BODIES["risky-browser-usage"]!()),
    });
    expect(sixth.statusCode).toBe(409);
    expect(sixth.json().detail).toBe(
      "The Risky browser usage template allows at most 5 policies and 5 exist; delete one before creating another.",
    );
  });

  it("warns as a policy's scope nears the template's user limit, on create, update and list", async () => {
    const group = await priorityGroup();
    // 800 of the 1,000 users a priority template scores: the scope is at 80 %.
    await server.services.db.query(
      `INSERT INTO directory_users (id, upn, display_name, created_at)
       SELECT gen_random_uuid(), 'bulk' || g || '@contoso.com', 'Bulk ' || g, now() FROM generate_series(1, 800) g`,
    );
    await server.services.db.query(
      `INSERT INTO priority_user_group_members (group_id, user_id, added_at)
       SELECT $1, id, now() FROM directory_users WHERE upn LIKE 'bulk%'`,
      [group],
    );
    const list = (await server.request({ method: "GET", url: "/api/policies" })).json().items;
    const priority = list.find((p: { template: string }) => p.template === "security-policy-violations-priority-users");
    expect(priority.usersInScope).toBe(800);
    expect(priority.warnings).toEqual([
      {
        code: "scope_near_limit",
        message:
          "This policy's scope covers 800 users, 80% of the 1000 users a Security policy violations by priority users template can actively score; narrow the scope (users, groups, exclusions) so that users with triggers are not left unscored.",
      },
    ]);
    const patched = await server.request({
      method: "PATCH",
      url: `/api/policies/${priority.id}`,
      payload: { scope: { priorityUserGroups: [group], exclude: { users: ["bulk1@contoso.com"] } } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().usersInScope).toBe(799);
    expect(patched.json().warnings).toEqual([]);
  });
});
