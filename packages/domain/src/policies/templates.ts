// Policy templates as data: what each template detects, which triggers it offers and its limits.
// Adding a template means adding an entry here (and, if it needs new triggers, teaching the scorer).

export interface PolicyTemplate {
  id: string;
  name: string;
  description: string;
  /** Prerequisites shown when choosing the template. */
  prerequisites: readonly { name: string; optional: boolean }[];
  /** Triggers the template offers. */
  triggers: {
    /** A resignation from an HR connector brings the user into the policy. */
    hrResignation: boolean;
    /** Custom indicators (from an indicators connector) can be chosen as triggers. */
    customIndicators: boolean;
  };
  /** Custom indicators may be selected as scoring indicators. */
  allowsCustomIndicators: boolean;
  /** Policies allowed per template (deleted policies do not count). */
  maxPolicies: number;
  /** Users a policy of this template may list in its scope. */
  maxUsersInScope: number;
}

/**
 * The catalogue. Limits follow the reference product: five policies per template, and its
 * per-template ceiling of users in scope.
 */
export const POLICY_TEMPLATES: readonly PolicyTemplate[] = [
  {
    id: "departing-users-data-theft",
    name: "Data theft by departing users",
    description:
      "Scores data exfiltration by users who are leaving the organisation: a resignation (or a chosen " +
      "custom trigger) brings the user into the policy, then their activity before and after that date is scored.",
    prerequisites: [
      { name: "HR connector with resignation dates", optional: true },
      { name: "Indicators connector with custom indicators", optional: true },
    ],
    triggers: { hrResignation: true, customIndicators: true },
    allowsCustomIndicators: true,
    maxPolicies: 5,
    maxUsersInScope: 20_000,
  },
];

export type PolicyTemplateId = (typeof POLICY_TEMPLATES)[number]["id"];

export function findPolicyTemplate(id: string): PolicyTemplate | undefined {
  return POLICY_TEMPLATES.find((t) => t.id === id);
}
