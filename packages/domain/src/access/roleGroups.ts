// Role groups and their permissions, as data. One pure function, `can`, answers every
// authorisation question; every HTTP route names the action it needs from `Action`.

export const ACTIONS = [
  "settings.read",
  "settings.manage",
  "accounts.manage",
  "apps.manage",
  "connectors.read",
  "connectors.manage",
  "indicators.read",
  "indicators.manage",
  "policies.read",
  "policies.manage",
  "alerts.read",
  "alerts.triage",
  "cases.read",
  "cases.manage",
  "notices.manage",
  "content.view",
  "identities.view",
  "analytics.read",
  "audit.read",
  "forensics.request",
  "forensics.approve",
  "signals.upload",
] as const;
export type Action = (typeof ACTIONS)[number];

export const ROLE_GROUPS = [
  "InsiderRiskManagement",
  "InsiderRiskManagementAdmins",
  "InsiderRiskManagementAnalysts",
  "InsiderRiskManagementInvestigators",
  "InsiderRiskManagementAuditors",
  "InsiderRiskManagementApprovers",
  "DataConnectorAdmin",
] as const;
export type RoleGroup = (typeof ROLE_GROUPS)[number];

export const ROLE_GROUP_LABELS: Record<RoleGroup, string> = {
  InsiderRiskManagement: "Insider Risk Management",
  InsiderRiskManagementAdmins: "Insider Risk Management Admins",
  InsiderRiskManagementAnalysts: "Insider Risk Management Analysts",
  InsiderRiskManagementInvestigators: "Insider Risk Management Investigators",
  InsiderRiskManagementAuditors: "Insider Risk Management Auditors",
  InsiderRiskManagementApprovers: "Insider Risk Management Approvers",
  DataConnectorAdmin: "Data Connector Admin",
};

/**
 * What each role group may do. Mirrors the reference product's capability matrix:
 * Admins configure but do not investigate; Analysts and Investigators work alerts and cases,
 * only Investigators (and the all-in-one group) see content and real identities; Auditors read
 * the audit log; Approvers approve forensic captures; Data Connector Admins set up connectors.
 */
export const ROLE_GROUP_PERMISSIONS: Record<RoleGroup, readonly Action[]> = {
  InsiderRiskManagement: ACTIONS.filter((a) => a !== "signals.upload"),
  InsiderRiskManagementAdmins: [
    "settings.read",
    "settings.manage",
    "accounts.manage",
    "apps.manage",
    "connectors.read",
    "connectors.manage",
    "indicators.read",
    "indicators.manage",
    "policies.read",
    "policies.manage",
    "analytics.read",
    "forensics.request",
  ],
  InsiderRiskManagementAnalysts: [
    "settings.read",
    "indicators.read",
    "policies.read",
    "alerts.read",
    "alerts.triage",
    "cases.read",
    "cases.manage",
    "notices.manage",
    "analytics.read",
  ],
  InsiderRiskManagementInvestigators: [
    "settings.read",
    "indicators.read",
    "policies.read",
    "alerts.read",
    "alerts.triage",
    "cases.read",
    "cases.manage",
    "notices.manage",
    "content.view",
    "identities.view",
  ],
  InsiderRiskManagementAuditors: ["audit.read"],
  InsiderRiskManagementApprovers: ["forensics.approve"],
  DataConnectorAdmin: ["apps.manage", "connectors.read", "connectors.manage", "indicators.read"],
};

/** Who is asking: a console account (with role groups) or a registered app (client credentials). */
export type Actor =
  | { kind: "account"; id: string; username: string; roleGroups: readonly RoleGroup[] }
  | { kind: "app"; id: string; clientId: string; name: string }
  | { kind: "system"; id: "system" };

/** Apps may only upload signals; the system may do anything; accounts get their role groups' union. */
export function can(actor: Actor | null | undefined, action: Action): boolean {
  if (!actor) return false;
  if (actor.kind === "system") return true;
  if (actor.kind === "app") return action === "signals.upload";
  return actor.roleGroups.some((group) => ROLE_GROUP_PERMISSIONS[group]?.includes(action));
}

export function isRoleGroup(value: string): value is RoleGroup {
  return (ROLE_GROUPS as readonly string[]).includes(value);
}
