// The connector types OpenIRM knows, by type: the one place a new type is registered.

import { AppError } from "../errors.ts";
import { activityKind } from "./activity/kind.ts";
import { badgingKind } from "./badging/badging.ts";
import {
  buildIndicatorsConnectorConfig,
  type ConnectorConfig,
  type ConnectorType,
  type CreateConnectorInput,
} from "./config.ts";
import { healthcareKind } from "./healthcare/index.ts";
import { hrKind } from "./hr/index.ts";
import type { ConnectorKind, CsvPlan } from "./kind.ts";
import { mapRow, planUpload } from "./rows.ts";
import type { ParsedSample } from "./schema.ts";

function csvPlanOf(config: ConnectorConfig, header: readonly string[], delimiter: string) {
  const plan = planUpload("indicators", config, header, delimiter);
  const csv: CsvPlan = {
    header: plan.header,
    delimiter: plan.delimiter,
    warnings: plan.warnings,
    map: (fields) => mapRow(plan, fields),
  };
  return csv;
}

export const indicatorsKind: ConnectorKind = {
  type: "indicators",
  formats: ["csv"],
  buildConfig: buildIndicatorsConnectorConfig,
  planCsv: (config, header, delimiter) => csvPlanOf(config, header, delimiter),
};

const KINDS: Partial<Record<ConnectorType, ConnectorKind>> = {
  indicators: indicatorsKind,
  hr: hrKind,
  badging: badgingKind,
  healthcare: healthcareKind,
  activity: activityKind,
};

/** The connector type's module; AppError 400 for a type this server does not know. */
export function connectorKind(type: string): ConnectorKind {
  const kind = KINDS[type as ConnectorType];
  if (!kind) {
    throw new AppError(
      "unknown_connector_type",
      400,
      `type: '${type}' is not a connector type. Use one of: ${Object.keys(KINDS).join(", ")}.`,
      { column: "type" },
    );
  }
  return kind;
}

/** Validates a connector request against its sample file; throws AppError 400 naming the field. */
export function buildConnectorConfig(input: CreateConnectorInput, sample: ParsedSample | undefined): ConnectorConfig {
  return connectorKind(input.type).buildConfig(input, sample);
}
