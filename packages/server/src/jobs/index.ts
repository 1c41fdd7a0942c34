// Background jobs started with the server. Each may return a function that stops it.

import type { Services } from "../context.ts";
import { resumeRuns } from "../ingestion/resumeRuns.ts";
import { employeeProfilesJob } from "./employeeProfiles.ts";
import { healthcareJob } from "./healthcare.ts";
import { riskLevelsJob } from "./riskLevels.ts";
import { scheduledImportsJob } from "./scheduledImports.ts";
import { scoringJob } from "./scoring.ts";

export type BackgroundJob = (
  services: Services,
  opts: { scheduled: boolean },
) => Promise<(() => Promise<void> | void) | undefined>;

export const BACKGROUND_JOBS: BackgroundJob[] = [
  healthcareJob,
  scoringJob,
  riskLevelsJob,
  resumeRuns,
  scheduledImportsJob,
  employeeProfilesJob,
];
