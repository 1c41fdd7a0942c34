// The HR connector type: resignations, job level changes, performance reviews, performance
// improvement plans and employee profiles, from single-type or multi-scenario CSV files.

import type { ConnectorKind } from "../kind.ts";
import { buildHrConnectorConfig } from "./config.ts";
import { planHrCsv } from "./plan.ts";

export { buildHrConnectorConfig, HR_RESIGNATION_COLUMNS, type HrColumn } from "./config.ts";
export {
  DEFAULT_SCENARIO_COLUMN,
  EMPLOYEE_PROFILE_EXPIRY_DAYS,
  EMPLOYEE_TYPES,
  HR_RATING_MAX,
  HR_REMARKS_MAX,
  HR_SIGNAL_KINDS,
  HR_TYPES,
  type HrDataTypeSpec,
  type HrField,
} from "./fields.ts";
export { type HrCsvPlan, planHrCsv } from "./plan.ts";
export {
  type HrSignalLike,
  type HrTemplateFamily,
  type HrTriggerDecision,
  hrTriggerFor,
  isPoorRating,
  levelNumber,
} from "./triggers.ts";

export const hrKind: ConnectorKind = {
  type: "hr",
  formats: ["csv"],
  buildConfig: buildHrConnectorConfig,
  planCsv: planHrCsv,
};
