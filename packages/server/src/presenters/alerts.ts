// Alerts as the API shows them. The user goes through the users presenter, and so does every
// signal attribute that could name them.

import { toIsoUtc } from "@openirm/domain";
import type { AlertDetail, AlertListRow } from "../commands/alerts.ts";
import type { AlertTriageRow } from "../commands/alertTriage.ts";
import type { Ctx } from "../context.ts";
import { canSeeNames, presentSignalAttributes, presentUser, userAlias } from "./users.ts";

/**
 * Free text (notes, trigger reasons) as the caller may see it: when names are hidden, the user's
 * UPN and display name in it show as the alias.
 */
export function hideUserIn(
  ctx: Ctx,
  row: Pick<AlertListRow, "user_id" | "upn" | "display_name">,
  text: string,
): string {
  if (canSeeNames(ctx)) return text;
  const alias = userAlias(ctx, row.user_id);
  let out = text;
  for (const name of [row.upn, row.display_name]) {
    if (!name || name.trim().length < 2) continue;
    out = out.replace(new RegExp(name.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), alias);
  }
  return out;
}

/**
 * The latest triage decision (null while nobody has triaged the alert). Notes are free text: when
 * names are hidden from the caller, the user's UPN and display name in them show as the alias.
 */
export function presentTriage(
  ctx: Ctx,
  row: Pick<AlertListRow, "user_id" | "upn" | "display_name">,
  triage?: AlertTriageRow | null,
) {
  if (!triage?.triaged_at) return null;
  return {
    reason: triage.dismissal_reason,
    resolution: triage.resolution,
    notes: triage.triage_notes === null ? null : hideUserIn(ctx, row, triage.triage_notes),
    triagedAt: toIsoUtc(triage.triaged_at),
    triagedBy: triage.triaged_by,
  };
}

export function presentAlert(ctx: Ctx, row: AlertListRow, triage?: AlertTriageRow | null) {
  return {
    id: row.id,
    policy: { id: row.policy_id, name: row.policy_name },
    user: presentUser(ctx, { id: row.user_id, upn: row.upn, display_name: row.display_name }),
    status: row.status,
    severity: row.severity,
    score: row.score,
    timeDetected: toIsoUtc(row.time_detected),
    updatedAt: toIsoUtc(row.updated_at),
    version: row.version,
    triage: presentTriage(ctx, row, triage),
  };
}

export function presentAlertDetail(ctx: Ctx, detail: AlertDetail, triage?: AlertTriageRow | null) {
  const { alert } = detail;
  const user = { id: alert.user_id, upn: alert.upn, display_name: alert.display_name };
  const { insights = [], ...explanation } = alert.explanation ?? ({} as AlertDetail["alert"]["explanation"]);
  const names = canSeeNames(ctx);
  return {
    ...presentAlert(ctx, alert, triage),
    explanation: {
      ...explanation,
      // Reasons quote free text (a manual start's reason, an alert title): the user may be named in it.
      triggers: (explanation.triggers ?? []).map((t) => ({ ...t, reason: hideUserIn(ctx, alert, t.reason) })),
    },
    insights: insights.map((insight) => {
      const evidence = detail.signals.get(insight.id);
      const details = insight.details ? { ...insight.details } : undefined;
      // A manager peer group is named by the manager's UPN.
      const group = details?.group as { kind?: string; key?: string | null } | undefined;
      if (details && group?.kind === "manager" && !names) details.group = { ...group, key: null };
      return {
        id: insight.id,
        key: insight.key ?? `${insight.indicatorId}|${insight.day}`,
        kind: insight.kind ?? "indicator",
        indicator: { id: insight.indicatorId ?? null, name: insight.indicator },
        day: insight.day,
        value: insight.value,
        eventCount: insight.eventCount,
        thresholds: insight.thresholds,
        baseScore: insight.baseScore ?? insight.score,
        score: insight.score,
        severity: insight.severity,
        boosters: insight.boosters ?? [],
        ...(details ? { details } : {}),
        rank: insight.rank,
        contribution: insight.contribution,
        signalCount: evidence?.total ?? 0,
        signals: (evidence?.rows ?? []).map((s) => ({
          id: String(s.id),
          occurredAt: toIsoUtc(s.occurred_at),
          sourceValue: s.source_value,
          attributes: presentSignalAttributes(ctx, user, s.attributes ?? {}, evidence?.userColumn),
        })),
      };
    }),
    versions: detail.versions.map((v) => ({
      version: v.version,
      score: v.score,
      severity: v.severity,
      insightCount: v.insight_count,
      createdAt: toIsoUtc(v.created_at),
    })),
  };
}
