// `openirm alerts`: the alert queue and one alert's details.

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import type { CliIo } from "../io.ts";
import { parseWholeNumber, withServer } from "../options.ts";
import { formatTable, indent, printFields, printJson, printTable } from "../output.ts";

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
}
