// Alerts as the API shows them. The user goes through the users presenter, and so does every
// signal attribute that could name them.

import { toIsoUtc } from "@openirm/domain";
import type { AlertDetail, AlertListRow } from "../commands/alerts.ts";
import type { AlertTriageRow } from "../commands/alertTriage.ts";
import type { Ctx } from "../context.ts";
import { canSeeNames, presentSignalAttributes, presentUser, userAlias } from "./users.ts";

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
  let notes = triage.triage_notes;
  if (notes !== null && !canSeeNames(ctx)) {
    const alias = userAlias(ctx, row.user_id);
    for (const name of [row.upn, row.display_name]) {
      if (!name || name.trim().length < 2) continue;
      notes = notes.replace(new RegExp(name.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), alias);
    }
  }
  return {
    reason: triage.dismissal_reason,
    resolution: triage.resolution,
    notes,
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
  return {
    ...presentAlert(ctx, alert, triage),
    explanation,
    insights: insights.map((insight) => {
      const evidence = detail.signals.get(insight.id);
      return {
        id: insight.id,
        indicator: { id: insight.indicatorId, name: insight.indicator },
        day: insight.day,
        value: insight.value,
        eventCount: insight.eventCount,
        thresholds: insight.thresholds,
        score: insight.score,
        severity: insight.severity,
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
