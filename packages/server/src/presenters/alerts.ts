// Alerts as the API shows them. The user goes through the users presenter, and so does every
// signal attribute that could name them.

import { toIsoUtc } from "@openirm/domain";
import type { AlertDetail, AlertListRow } from "../commands/alerts.ts";
import type { Ctx } from "../context.ts";
import { presentSignalAttributes, presentUser } from "./users.ts";

export function presentAlert(ctx: Ctx, row: AlertListRow) {
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
  };
}

export function presentAlertDetail(ctx: Ctx, detail: AlertDetail) {
  const { alert } = detail;
  const user = { id: alert.user_id, upn: alert.upn, display_name: alert.display_name };
  const { insights = [], ...explanation } = alert.explanation ?? ({} as AlertDetail["alert"]["explanation"]);
  return {
    ...presentAlert(ctx, alert),
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
