// `openirm alerts`: the alert queue and one alert's details; triage (confirm, dismiss, resolve,
// bulk dismiss) and tuning the policy from an alert.

import type { Command } from "commander";
import { type ApiClient, connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { parseList, parseNumber, parseWholeNumber, withServer } from "../options.ts";
import { formatTable, indent, printFields, printJson, printTable } from "../output.ts";

export const DISMISSAL_REASONS = ["ExpectedActivity", "NeedsInvestigationElsewhere", "TooMuchActivity"] as const;
export const RESOLUTIONS = ["ConfirmedViolation", "Benign"] as const;

interface Thresholds {
  low: number;
  medium: number;
  high: number;
}

interface TriageItem {
  id: string;
  status: string;
  triage?: { reason: string | null; resolution: string | null } | null;
}

const formatThresholds = (t: Thresholds | null | undefined) => (t ? `${t.low}/${t.medium}/${t.high}` : "-");

/** "10,20,30" → { low: 10, medium: 20, high: 30 } */
export function parseThresholdList(value: string): Thresholds {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length !== 3) throw new UsageError(`--thresholds expects low,medium,high (got '${value}').`);
  const [low, medium, high] = parts.map((p) => parseNumber("--thresholds", p)) as [number, number, number];
  return { low, medium, high };
}

interface TuneOptions {
  indicator?: string;
  recommended?: boolean;
  thresholds?: string;
  stop?: boolean;
  dismiss?: boolean;
}

/** The body of POST /api/alerts/:id/tune from the command's options (exactly one of --recommended, --thresholds, --stop). */
export function buildTuneBody(opts: TuneOptions): Record<string, unknown> {
  if (!opts.indicator)
    throw new UsageError("give --indicator ID (the ids are listed by 'openirm alerts tuning ALERT_ID').");
  const chosen = [
    opts.recommended && "--recommended",
    opts.thresholds !== undefined && "--thresholds",
    opts.stop && "--stop",
  ].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UsageError(
      chosen.length === 0
        ? "say what to do: --recommended, --thresholds low,medium,high or --stop."
        : `give only one of --recommended, --thresholds and --stop (got ${chosen.join(" and ")}).`,
    );
  }
  const action = opts.recommended ? "recommended" : opts.stop ? "stop" : "custom";
  return {
    indicatorId: opts.indicator,
    action,
    ...(action === "custom" ? { thresholds: parseThresholdList(opts.thresholds as string) } : {}),
    // biome-ignore lint/suspicious/noThenProperty: the API names the field "then"
    then: opts.dismiss ? "dismiss" : "none",
  };
}

function triageOutcome(alert: TriageItem): string {
  const why = alert.triage?.reason ?? alert.triage?.resolution;
  return `Alert ${alert.id} is now ${alert.status}${why ? ` (${why})` : ""}.\n`;
}

async function triage(
  io: CliIo,
  client: ApiClient,
  id: string,
  action: "confirm" | "dismiss" | "resolve",
  body: Record<string, unknown>,
  json: boolean | undefined,
) {
  const alert = await client.post<TriageItem>(`/api/alerts/${encodeURIComponent(id)}/${action}`, body);
  if (json) return printJson(io, alert);
  io.out(triageOutcome(alert));
}

interface AlertItem {
  id: string;
  policy?: { id: string; name: string };
  user?: { id: string; alias?: string; upn?: string; displayName?: string };
  status: string;
  severity: string;
  score: number;
  timeDetected: string;
  [key: string]: unknown;
}

function userLabel(user: AlertItem["user"]): string {
  if (!user) return "-";
  return user.upn ?? user.displayName ?? user.alias ?? user.id;
}

export function registerAlerts(program: Command, io: CliIo): void {
  const alerts = program.command("alerts").description("alerts");

  withServer(alerts.command("list").description("list alerts, newest first"))
    .option("--status <status>", "NeedsReview | Confirmed | Dismissed | Resolved")
    .option("--severity <severity>", "Low | Medium | High")
    .option("--policy <id>", "only alerts of this policy")
    .option("--from <YYYY-MM-DD>", "detected on or after this UTC day")
    .option("--to <YYYY-MM-DD>", "detected before this UTC day (exclusive)")
    .option("--page <n>", "page number (from 1)")
    .option("--page-size <n>", "alerts per page")
    .addHelpText(
      "after",
      "\nExamples:\n  openirm alerts list --severity High\n  openirm alerts list --status NeedsReview --json",
    )
    .action(
      async (opts: {
        server?: string;
        json?: boolean;
        status?: string;
        severity?: string;
        policy?: string;
        from?: string;
        to?: string;
        page?: string;
        pageSize?: string;
      }) => {
        const page = parseWholeNumber("--page", opts.page, 1);
        const pageSize = parseWholeNumber("--page-size", opts.pageSize, 1);
        const client = await connectSignedIn(io, opts);
        const result = await client.get<{ items: AlertItem[]; total: number; page: number; pageSize: number }>(
          "/api/alerts",
          {
            status: opts.status,
            severity: opts.severity,
            policyId: opts.policy,
            detectedFrom: opts.from,
            detectedTo: opts.to,
            page,
            pageSize,
          },
        );
        if (opts.json) return printJson(io, result);
        printTable(
          io,
          result.items.map((a) => ({
            id: a.id,
            severity: a.severity,
            status: a.status,
            score: typeof a.score === "number" ? Math.round(a.score * 10) / 10 : a.score,
            user: userLabel(a.user),
            policy: a.policy?.name,
            timeDetected: a.timeDetected,
          })),
          [
            ["id", "ID"],
            ["severity", "SEVERITY"],
            ["status", "STATUS"],
            ["score", "SCORE"],
            ["user", "USER"],
            ["policy", "POLICY"],
            ["timeDetected", "DETECTED"],
          ],
          "No alerts match.",
        );
        const pages = Math.max(1, Math.ceil(result.total / Math.max(1, result.pageSize)));
        io.out(`${result.total} alert${result.total === 1 ? "" : "s"}; page ${result.page} of ${pages}.\n`);
      },
    );

  withServer(alerts.command("show").description("show one alert and why it was raised"))
    .argument("<id>", "alert id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const alert = await client.get<AlertItem>(`/api/alerts/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, alert);
      printFields(io, [
        ["id", alert.id],
        ["severity", alert.severity],
        ["status", alert.status],
        ["score", alert.score],
        ["user", userLabel(alert.user)],
        ["policy", alert.policy?.name],
        ["detected", alert.timeDetected],
      ]);
      const explanation = (alert.explanation ?? {}) as {
        triggers?: { at?: string; reason?: string }[];
        windows?: { start?: string; end?: string }[];
      };
      if (explanation.triggers?.length) {
        io.out("Triggers:\n");
        for (const t of explanation.triggers) io.out(`  ${t.at ?? "-"}  ${t.reason ?? ""}\n`);
      }
      if (explanation.windows?.length) {
        const days = explanation.windows.map((w) => `${w.start?.slice(0, 10)} to ${w.end?.slice(0, 10)} (exclusive)`);
        io.out(`Scored days: ${days.join("; ")}\n`);
      }
      const insights = Array.isArray(alert.insights) ? (alert.insights as Record<string, any>[]) : [];
      if (insights.length > 0) {
        io.out(`Insights (${insights.length}):\n`);
        const table = formatTable(
          insights.map((i) => ({
            day: i.day,
            indicator: i.indicator?.name ?? i.indicator,
            value: i.value,
            thresholds: i.thresholds ? `${i.thresholds.low}/${i.thresholds.medium}/${i.thresholds.high}` : "-",
            severity: i.severity,
            score: typeof i.score === "number" ? Math.round(i.score * 10) / 10 : i.score,
          })),
          [
            ["day", "DAY"],
            ["indicator", "INDICATOR"],
            ["value", "VALUE"],
            ["thresholds", "LOW/MED/HIGH"],
            ["severity", "SEVERITY"],
            ["score", "SCORE"],
          ],
        );
        io.out(indent(table));
      }
      io.out("Use --json for the full explanation and the signals behind each insight.\n");
    });

  withServer(alerts.command("confirm").description("confirm an alert under review"))
    .argument("<id>", "alert id")
    .option("--notes <text>", "notes kept with the decision (at most 2,000 characters)")
    .action(async (id: string, opts: { server?: string; json?: boolean; notes?: string }) => {
      const client = await connectSignedIn(io, opts);
      await triage(io, client, id, "confirm", opts.notes ? { notes: opts.notes } : {}, opts.json);
    });

  withServer(alerts.command("dismiss").description("dismiss an alert, or up to 400 alerts under review with --ids"))
    .argument("[id]", "alert id")
    .option("--ids <ids>", "dismiss these alerts (comma-separated ids, at most 400; only alerts in NeedsReview)")
    .option("--reason <reason>", DISMISSAL_REASONS.join(" | "))
    .option("--notes <text>", "notes kept with the decision (at most 2,000 characters)")
    .addHelpText(
      "after",
      "\nExamples:\n  openirm alerts dismiss ALERT_ID --reason ExpectedActivity --notes 'Quarter-end export'\n  openirm alerts dismiss --ids ID1,ID2,ID3 --reason TooMuchActivity",
    )
    .action(
      async (
        id: string | undefined,
        opts: { server?: string; json?: boolean; ids?: string; reason?: string; notes?: string },
      ) => {
        if (!opts.reason) throw new UsageError(`give --reason: ${DISMISSAL_REASONS.join(", ")}.`);
        if (id && opts.ids) throw new UsageError("give one alert id or --ids, not both.");
        const ids = opts.ids ? parseList(opts.ids) : [];
        if (!id && ids.length === 0) throw new UsageError("give the alert id, or --ids ID1,ID2,… to dismiss several.");
        const client = await connectSignedIn(io, opts);
        const body = { reason: opts.reason, ...(opts.notes ? { notes: opts.notes } : {}) };
        if (id) return triage(io, client, id, "dismiss", body, opts.json);
        const result = await client.post<{ items: { id: string; outcome: string }[]; dismissed: number }>(
          "/api/alerts/dismiss",
          { ids, ...body },
        );
        if (opts.json) return printJson(io, result);
        printTable(
          io,
          result.items,
          [
            ["id", "ID"],
            ["outcome", "OUTCOME"],
          ],
          "No alerts given.",
        );
        io.out(
          `Dismissed ${result.dismissed} of ${result.items.length} alert${result.items.length === 1 ? "" : "s"}.\n`,
        );
      },
    );

  withServer(alerts.command("resolve").description("resolve an alert as a confirmed violation or as benign"))
    .argument("<id>", "alert id")
    .option("--resolution <resolution>", RESOLUTIONS.join(" | "))
    .option("--notes <text>", "notes kept with the decision (at most 2,000 characters)")
    .action(async (id: string, opts: { server?: string; json?: boolean; resolution?: string; notes?: string }) => {
      if (!opts.resolution) throw new UsageError(`give --resolution: ${RESOLUTIONS.join(", ")}.`);
      const client = await connectSignedIn(io, opts);
      const body = { resolution: opts.resolution, ...(opts.notes ? { notes: opts.notes } : {}) };
      await triage(io, client, id, "resolve", body, opts.json);
    });

  withServer(
    alerts
      .command("tuning")
      .description("show what tuning from an alert can change: thresholds, recommendations, earlier edits"),
  )
    .argument("<id>", "alert id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const view = await client.get<{
        policy: { id: string; name: string; deleted: boolean };
        indicators: {
          indicator: { id: string; name: string };
          inPolicy: boolean;
          currentThresholds: Thresholds | null;
          defaultThresholds: boolean;
          recommendedThresholds: Thresholds | null;
          recommendationDays: number;
          canStop: boolean;
          edits: {
            at: string;
            by: string | null;
            action: string;
            previous: Thresholds | null;
            next: Thresholds | null;
          }[];
        }[];
      }>(`/api/alerts/${encodeURIComponent(id)}/tuning`);
      if (opts.json) return printJson(io, view);
      io.out(`Policy: ${view.policy.name} (${view.policy.id})${view.policy.deleted ? " — deleted" : ""}\n`);
      if (view.indicators.length === 0) io.out("The alert has no indicator insights to tune.\n");
      for (const i of view.indicators) {
        io.out(`\n${i.indicator.name}\n`);
        printFields(io, [
          ["indicator", i.indicator.id],
          [
            "current",
            i.inPolicy
              ? `${formatThresholds(i.currentThresholds)}${i.defaultThresholds ? " (catalog defaults)" : ""}`
              : "no longer scored by the policy",
          ],
          [
            "recommended",
            i.recommendedThresholds
              ? `${formatThresholds(i.recommendedThresholds)} (from ${i.recommendationDays} user-day${i.recommendationDays === 1 ? "" : "s"} of activity in the last 30 days)`
              : "-",
          ],
          ["can stop", i.canStop ? "yes" : "no"],
        ]);
        if (i.edits.length > 0) {
          io.out("  earlier edits:\n");
          for (const e of i.edits) {
            const change =
              e.action === "stop" ? "stopped" : `${formatThresholds(e.previous)} -> ${formatThresholds(e.next)}`;
            io.out(`    ${e.at}  ${e.by ?? "-"}  ${e.action}  ${change}\n`);
          }
        }
      }
      io.out(
        `\nChange with: openirm alerts tune ${id} --indicator ID --recommended|--thresholds low,medium,high|--stop [--dismiss]\n`,
      );
    });

  withServer(
    alerts
      .command("tune")
      .description("reduce alerts for an activity: raise an indicator's thresholds or stop scoring it"),
  )
    .argument("<id>", "alert id")
    .option("--indicator <id>", "the indicator to tune (as 'openirm alerts tuning' lists it)")
    .option("--recommended", "use the recommended thresholds")
    .option("--thresholds <low,medium,high>", "use these thresholds (none may be lower than the current ones)")
    .option("--stop", "stop scoring this indicator in the alert's policy")
    .option("--dismiss", "also resolve the alert as benign (save and dismiss)")
    .addHelpText(
      "after",
      "\nExamples:\n  openirm alerts tune ALERT_ID --indicator device.removableMediaCopy --recommended --dismiss\n  openirm alerts tune ALERT_ID --indicator INDICATOR_ID --thresholds 15,30,60",
    )
    .action(async (id: string, opts: TuneOptions & { server?: string; json?: boolean }) => {
      const body = buildTuneBody(opts);
      const client = await connectSignedIn(io, opts);
      const result = await client.post<{
        policy: { name: string };
        indicator: { id: string; name: string };
        action: string;
        previous: Thresholds;
        next: Thresholds | null;
        alert: TriageItem;
      }>(`/api/alerts/${encodeURIComponent(id)}/tune`, body);
      if (opts.json) return printJson(io, result);
      io.out(
        result.action === "stop"
          ? `Policy '${result.policy.name}' no longer scores '${result.indicator.name}'.\n`
          : `Policy '${result.policy.name}': '${result.indicator.name}' thresholds ${formatThresholds(result.previous)} -> ${formatThresholds(result.next)} (${result.action}).\n`,
      );
      if (opts.dismiss) io.out(triageOutcome(result.alert));
      io.out("The alert's user was rescored; other users follow at the next scoring run.\n");
    });
}
