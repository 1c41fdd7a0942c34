// Evaluation scenarios: the demo organisation's people with injected insider-risk stories and their
// ground truth, and plenty of busy but benign colleagues. The data is what the connectors take:
// a directory users CSV, HR files (resignations, improvement plans, employee profiles), activity
// events as NDJSON records for an activity connector with SCENARIO_ACTIVITY_MAPPING, badge records
// and an EHR access log (generic field set).
//
// Pure and seeded: generateScenarios() plans who does what and when; scenarioDay() produces one
// simulated day's files from the plan, drawing every value from a generator seeded by (seed,
// person, day), so a day can be produced on its own, in any order, and the same seed always gives
// the same files. Documented in docs/evaluation.md.

import { ACTIVITY_TYPES } from "../activity/catalog.ts";
import { GIVEN_NAMES, SURNAMES } from "./names.ts";
import { DEMO_DOMAIN, type DemoUser, generateDemoOrg } from "./org.ts";
import { intBetween, mixSeed, mulberry32, pick, type Random, shuffled } from "./random.ts";

// ---- Scenarios and their ground truth ----------------------------------------------------------

export const SCENARIO_KINDS = [
  "departingUsbCloud",
  "pipEmailLeak",
  "sequence",
  "slowCumulative",
  "defenceEvasionAfterResignation",
  "physicalAfterTermination",
  "nurseNeighbour",
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface ScenarioDefinition {
  kind: ScenarioKind;
  title: string;
  /** Policy template ids under which the user should be alerted (any one of them catches the scenario). */
  expectedTemplates: readonly string[];
  /** What the data holds, in words. */
  summary: string;
}

export const SCENARIO_DEFINITIONS: Readonly<Record<ScenarioKind, ScenarioDefinition>> = {
  departingUsbCloud: {
    kind: "departingUsbCloud",
    title: "Departing user exfiltrating through USB and personal cloud",
    expectedTemplates: ["departing-users-data-theft"],
    summary:
      "Resigns; from two days before the resignation to six days after it copies 12–40 files a day to a USB drive and uploads 10–30 a day to personal cloud storage through a browser.",
  },
  pipEmailLeak: {
    kind: "pipEmailLeak",
    title: "User on an improvement plan leaking by e-mail",
    expectedTemplates: ["data-leaks-risky-users"],
    summary:
      "Put on a performance improvement plan; from two days later, on most days for ten days, sends 4–12 e-mails with attachments a day to free public mail domains.",
  },
  sequence: {
    kind: "sequence",
    title: "Collect, obfuscate, exfiltrate, delete",
    expectedTemplates: ["data-leaks"],
    summary:
      "Downloads 8 confidential files from a document site, renames them the next day, uploads 5 to personal cloud and copies 3 to USB the day after, and deletes them on the fourth day; every day's count is below every daily threshold, so only the sequence (linked by file name within 7 days) shows it.",
  },
  slowCumulative: {
    kind: "slowCumulative",
    title: "Slow cumulative exfiltration under every daily threshold",
    expectedTemplates: ["data-leaks"],
    summary:
      "For 30 days copies 3–8 files a day to USB, uploads 3–8 through a browser, e-mails 1–2 to free domains and 3–8 outside: below the low threshold of every built-in indicator on every day, but several times what anyone in the department, team or job title sends out.",
  },
  defenceEvasionAfterResignation: {
    kind: "defenceEvasionAfterResignation",
    title: "Defence evasion after resignation",
    expectedTemplates: ["security-policy-violations-departing-users"],
    summary:
      "Resigns; three days later two defence evasion alerts (tampering with the antivirus), another two days later a third, and an unwanted software alert the day after.",
  },
  physicalAfterTermination: {
    kind: "physicalAfterTermination",
    title: "Physical access after termination",
    expectedTemplates: ["departing-users-data-theft"],
    summary:
      "Resigns with a last working date two weeks later; three, six and eight days after that date the badge still opens the main entrance, the server room and the records archive (priority physical assets), once after a failed attempt.",
  },
  nurseNeighbour: {
    kind: "nurseNeighbour",
    title: "Nurse reading a neighbour's records",
    expectedTemplates: ["patient-data-misuse"],
    summary:
      "A nurse opens, reviews and, three days later, reviews again and prints the record of a patient who lives on the nurse's own street (same street and zip code, another house number), among an ordinary day's accesses.",
  },
};

/** One injected scenario: who, what should alert, and when it starts. */
export interface ScenarioTruth {
  /** `<kind>-<instance>`, e.g. "sequence-1". */
  id: string;
  kind: ScenarioKind;
  title: string;
  upn: string;
  expectedTemplates: readonly string[];
  /** The first record of the risky behaviour (ISO 8601 UTC). */
  startsAt: string;
  /** Its simulated day (0 = the first day) and date. */
  startDay: number;
  startDate: string;
  /** The days (indices) of the scenario's steps, e.g. { resignation: 46, exfilFrom: 44, exfilTo: 52 }. */
  days: Readonly<Record<string, number>>;
  summary: string;
}

/**
 * Benign people. quiet: light everyday activity. busy: heavy everyday activity (many downloads,
 * prints, internal and partner e-mail) and no trigger. leaver / improvementPlan: a trigger (a
 * resignation, an improvement plan) and only their ordinary activity. nurse: ordinary patient
 * record access. serverRoom: badges into a priority physical asset as part of the job, no trigger.
 */
export const BENIGN_PROFILES = ["quiet", "busy", "leaver", "improvementPlan", "nurse", "serverRoom"] as const;
export type BenignProfile = (typeof BENIGN_PROFILES)[number];

export interface BenignTruth {
  upn: string;
  profile: BenignProfile;
  /** Heavy everyday activity (the busy ones, and busy leavers and busy people on an improvement plan). */
  busy: boolean;
}

/**
 * The false-alert budget the evaluation holds the pipeline to: at most 2% of the benign people
 * alerted (rounded down), and none of those alerts above Medium. Stated in docs/evaluation.md.
 */
export const FALSE_ALERT_BUDGET = Object.freeze({ maxShare: 0.02, maxSeverity: "Medium" as const });

/** How many benign people may be alerted. */
export function falseAlertAllowance(benignPeople: number): number {
  return Math.floor(benignPeople * FALSE_ALERT_BUDGET.maxShare + 1e-9);
}

// ---- The activity connector's mapping ------------------------------------------------------------

/** Operation name of internal e-mail in the activity records: listed by the mapping and skipped. */
export const SCENARIO_INTERNAL_EMAIL = "email.sentInternally";

/**
 * The mapping document of the evaluation's activity connector. The records name their catalog
 * type in `Activity`, so every type maps straight to itself; internal e-mail is read and skipped.
 */
export const SCENARIO_ACTIVITY_MAPPING = {
  mappingVersion: 1,
  id: "openirm-evaluation-events",
  name: "Evaluation activity events",
  description:
    "Endpoint, mail, document site and security events of the evaluation scenarios, one JSON record per event; Activity holds the activity type.",
  user: { path: "User", transform: ["lower"] },
  time: "Time",
  eventId: "EventId",
  activity: {
    path: "Activity",
    map: {
      ...Object.fromEntries(ACTIVITY_TYPES.map((t) => [t.id, t.id])),
      [SCENARIO_INTERNAL_EMAIL]: null,
    } as Record<string, string | null>,
  },
  attributes: {
    fileName: "FileName",
    filePath: "FilePath",
    fileExtension: { path: "FileName", transform: ["extension"] },
    fileSize: "FileSize",
    previousFileName: "PreviousFileName",
    siteUrl: "SiteUrl",
    device: "Device",
    application: "Application",
    targetPath: "TargetPath",
    mediaName: "MediaName",
    destinationDomain: "DestinationDomain",
    url: "Url",
    recipients: { path: "Recipients", transform: ["split"] },
    recipientCount: { path: "Recipients", transform: ["split", "count"] },
    subject: "Subject",
    attachmentCount: "AttachmentCount",
    printerName: "PrinterName",
    alertId: "AlertId",
    alertTitle: "AlertTitle",
    category: "Category",
    severity: "Severity",
  },
};

/** One activity record (a line of the NDJSON upload). */
export interface ScenarioActivityRecord {
  EventId: string;
  Time: string;
  User: string;
  /** A catalog activity type id, or SCENARIO_INTERNAL_EMAIL. */
  Activity: string;
  FileName?: string;
  FilePath?: string;
  FileSize?: number;
  PreviousFileName?: string;
  SiteUrl?: string;
  Device?: string;
  Application?: string;
  TargetPath?: string;
  MediaName?: string;
  DestinationDomain?: string;
  Url?: string;
  /** Recipients separated by ';'. */
  Recipients?: string;
  Subject?: string;
  AttachmentCount?: number;
  PrinterName?: string;
  AlertId?: string;
  AlertTitle?: string;
  Category?: string;
  Severity?: string;
}

/** One badge event, as the badging endpoint takes it. */
export interface ScenarioBadgeRecord {
  UserId: string;
  AssetId: string;
  AssetName: string;
  EventTime: string;
  AccessStatus: "Success" | "Failed";
}

export const SCENARIO_PRIORITY_ASSETS: readonly { assetId: string; name: string }[] = [
  { assetId: "HQ-L3-ServerRoom", name: "Server room, HQ level 3" },
  { assetId: "HQ-B1-Archive", name: "Records archive, HQ basement" },
];

export const SCENARIO_DIRECTORY_COLUMNS = [
  "UserPrincipalName",
  "DisplayName",
  "Department",
  "JobTitle",
  "Manager",
  "EmployeeType",
  "Office",
  "AccountEnabled",
] as const;
export const SCENARIO_RESIGNATION_COLUMNS = ["EmailAddress", "ResignationDate", "LastWorkingDate"] as const;
export const SCENARIO_IMPROVEMENT_PLAN_COLUMNS = ["EmailAddress", "EffectiveDate", "Remarks", "Rating"] as const;
export const SCENARIO_PROFILE_COLUMNS = [
  "EmailAddress",
  "UserName",
  "EmployeeFirstName",
  "EmployeeLastName",
  "EmployeeAddressLine1",
  "EmployeeAddressLine2",
  "EmployeeCity",
  "EmployeeState",
  "EmployeeZipCode",
  "EmployeeCountry",
  "EmployeeDepartment",
  "EmployeeType",
  "EmployeeRole",
] as const;
/** The generic field set of the healthcare connector, in its documented order. */
export const SCENARIO_HEALTHCARE_COLUMNS = [
  "Creation Time",
  "Event Name",
  "Workstation Id",
  "Event Section",
  "Event Category",
  "Patient Reg Id",
  "Patient First Name",
  "Patient Middle Name",
  "Patient Last Name",
  "Patient Address Line 1",
  "Patient Address Line 2",
  "Patient City",
  "Patient Zip Code",
  "Patient State",
  "Patient Country",
  "Patient Department",
  "Restricted Access Reason",
  "Restricted Access Comment",
  "Email Address (UPN) or SamAccountName",
  "Employee User Name",
  "Employee Id",
  "Employee Last Name",
  "Employee First Name",
] as const;

/** Employee profiles are sent on the first day and then every this many days (they expire after 30). */
export const SCENARIO_PROFILE_EVERY_DAYS = 7;

// ---- The organisation -----------------------------------------------------------------------------

export interface ScenarioAddress {
  houseNumber: number;
  street: string;
  /** "<house number> <street>". */
  line1: string;
  city: string;
  state: string;
  zip: string;
}

/** A person of the scenarios: the demo organisation's identity fields, plus what the scenarios add. */
export interface ScenarioPerson
  extends Pick<
    DemoUser,
    "index" | "upn" | "givenName" | "surname" | "displayName" | "department" | "jobTitle" | "managerUpn"
  > {
  employeeType: "Regular" | "Contractor";
  address: ScenarioAddress;
  busy: boolean;
  /** Clinical staff: their hospital ward (their accesses to the EHR are generated). */
  ward: string | null;
  serverRoom: boolean;
  resignation: { day: number; resignationDate: string; lastWorkingDate: string } | null;
  improvementPlan: { day: number; effectiveDate: string } | null;
  /** The scenario this person acts out, or null for benign people. */
  scenario: { kind: ScenarioKind; id: string } | null;
  benignProfile: BenignProfile | null;
}

export interface ScenarioPatient {
  mrn: string;
  firstName: string;
  lastName: string;
  address: ScenarioAddress;
  ward: string;
}

export interface ScenarioOptions {
  seed: number;
  /** The "now" of the data set: the simulated days are the `days` UTC days before asOf's day. */
  asOf: Date | string;
  /** People (default 400, at least 40). */
  users?: number;
  /** Simulated days (default 60; at least 35, plus 2 for every instance beyond the first). */
  days?: number;
  /** Instances of each scenario (default: one per 200 people, at least 1, at most 3). */
  instances?: number;
  domain?: string;
}

export interface ScenarioSet {
  seed: number;
  asOf: string;
  days: number;
  /** Date (YYYY-MM-DD) of day 0. */
  firstDate: string;
  domain: string;
  instances: number;
  people: ScenarioPerson[];
  patients: ScenarioPatient[];
  /** The neighbour patient of each nurseNeighbour scenario, by scenario id. */
  neighbours: Readonly<Record<string, ScenarioPatient>>;
  /** Directory users CSV (POST /api/directory/users/import). */
  directoryCsv: string;
  priorityAssets: readonly { assetId: string; name: string }[];
  activityMapping: typeof SCENARIO_ACTIVITY_MAPPING;
  groundTruth: { scenarios: ScenarioTruth[]; benign: BenignTruth[] };
}

/** One simulated day's files. CSV texts are null when the day has no rows for that file. */
export interface ScenarioDayData {
  index: number;
  date: string;
  resignationsCsv: string | null;
  improvementPlansCsv: string | null;
  /** Every current employee's profile, on day 0 and every SCENARIO_PROFILE_EVERY_DAYS days. */
  employeeProfilesCsv: string | null;
  activity: ScenarioActivityRecord[];
  badging: ScenarioBadgeRecord[];
  healthcareCsv: string | null;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const NURSING = "Nursing";
const WARDS = ["Oncology", "Cardiology", "Orthopaedics", "Emergency", "Maternity"] as const;
const EXTERNAL_DEPARTMENTS = new Set(["Sales", "Customer Support", "Legal", "Marketing"]);
const USB_DEPARTMENTS = new Set(["Engineering", "Operations"]);

// Employees live on these streets (each with its zip code); patients on others, with other zip
// codes, so that a patient matches an employee's address or name only where a scenario plants it.
const EMPLOYEE_STREETS: readonly [string, string][] = [
  ["Oak Avenue", "02139"],
  ["Maple Street", "02139"],
  ["Cedar Road", "02140"],
  ["Elm Street", "02140"],
  ["Birch Lane", "02141"],
  ["Willow Way", "02141"],
  ["Chestnut Drive", "02142"],
  ["Aspen Court", "02143"],
  ["Juniper Street", "02143"],
  ["Linden Avenue", "02144"],
  ["Hawthorn Road", "02144"],
  ["Sycamore Street", "02145"],
];
const PATIENT_STREETS: readonly [string, string][] = [
  ["Harbor Street", "02150"],
  ["Mill Road", "02150"],
  ["Station Avenue", "02151"],
  ["Church Lane", "02151"],
  ["Bridge Street", "02152"],
  ["Park Road", "02152"],
  ["Market Street", "02155"],
  ["School Lane", "02155"],
  ["Hill Avenue", "02163"],
  ["River Road", "02163"],
  ["Canal Street", "02169"],
  ["Meadow Drive", "02169"],
];
const CITY = "Cambridge";
const STATE = "Massachusetts";

const TOPICS = [
  "Budget",
  "Roadmap",
  "Pricing",
  "Contract",
  "Forecast",
  "Design",
  "Minutes",
  "Report",
  "Plan",
  "Policy",
  "Review",
  "Survey",
] as const;
const EXTENSIONS = ["docx", "xlsx", "pptx", "pdf"] as const;
const PARTNERS = ["fabrikam.example", "northwindtraders.example", "adventure-works.example", "tailspintoys.example"];
const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "proton.me"] as const;
const PERSONAL_CLOUD = ["www.dropbox.com", "drive.google.com", "mega.nz", "wetransfer.com"] as const;

/**
 * The domain lists the organisation keeps (intelligent detections), as an organisation would set
 * them: its business partners (and their portals) allowed, personal cloud storage and free mail
 * unallowed.
 */
export const SCENARIO_DOMAINS = Object.freeze({
  allowed: PARTNERS.flatMap((p) => [p, `*.${p}`]),
  unallowed: [...PERSONAL_CLOUD, ...FREE_MAIL],
});
const CONFIDENTIAL = [
  "Acquisition target shortlist.xlsx",
  "Board pack Q3.pptx",
  "Salary bands 2027.xlsx",
  "Customer master export.csv",
  "Pricing model FY27.xlsx",
  "Product roadmap 2027.pptx",
  "Partner contracts summary.docx",
  "Pipeline by account.xlsx",
  "Patent draft - sensor fusion.docx",
  "Vendor bank details.xlsx",
  "Strategy offsite notes.docx",
  "Key accounts renewal plan.pptx",
] as const;
const EHR_EVENTS: readonly [string, string, string][] = [
  ["Chart Review", "Clinical", "Patient Chart"],
  ["Open Patient Chart", "Clinical", "Patient Chart"],
  ["MAR Accessed", "Medication", "Medication Record"],
  ["Note Signed", "Documentation", "Progress Note"],
  ["Order Entry", "Orders", "Order"],
  ["Vitals Entered", "Clinical", "Flowsheet"],
];

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csvLine(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(",");
}

function csvText(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `${[csvLine(header), ...rows.map(csvLine)].join("\n")}\n`;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, "");
const aliasOf = (upn: string) => upn.split("@")[0] as string;
const domainOf = (person: ScenarioPerson) => person.upn.split("@")[1] as string;
const isoAt = (ms: number) => new Date(ms).toISOString();

function address(houseNumber: number, [street, zip]: readonly [string, string]): ScenarioAddress {
  return { houseNumber, street, line1: `${houseNumber} ${street}`, city: CITY, state: STATE, zip };
}

/** The first instant after the last working day (when the person no longer works here). */
function terminationMs(person: ScenarioPerson): number | null {
  if (!person.resignation) return null;
  return startOfUtcDay(Date.parse(person.resignation.lastWorkingDate)) + DAY_MS;
}

// ---- Planning -----------------------------------------------------------------------------------

interface Plan {
  truth: ScenarioTruth;
  person: ScenarioPerson;
}

/**
 * Plans the organisation, who acts out which scenario and when, and the ground truth. The days of
 * each scenario are placed from the end of the simulated period backwards (instance i is moved 2·i
 * days earlier), so every scenario has history before it and room after it to be caught.
 */
export function generateScenarios(opts: ScenarioOptions): ScenarioSet {
  const userCount = opts.users ?? 400;
  const days = opts.days ?? 60;
  const instances = opts.instances ?? Math.min(3, Math.max(1, Math.floor(userCount / 200)));
  const domain = opts.domain ?? DEMO_DOMAIN;
  if (!Number.isInteger(userCount) || userCount < 40) throw new RangeError("users: at least 40 people are needed.");
  if (!Number.isInteger(instances) || instances < 1 || instances > 3) {
    throw new RangeError("instances: from 1 to 3 instances of each scenario.");
  }
  const minDays = 35 + 2 * (instances - 1);
  if (!Number.isInteger(days) || days < minDays) {
    throw new RangeError(`days: at least ${minDays} days are needed (30 days of slow exfiltration, with history).`);
  }
  const asOfMs = new Date(opts.asOf).getTime();
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf: '${String(opts.asOf)}' is not a date.`);
  const seed = opts.seed >>> 0;
  const firstDayMs = startOfUtcDay(asOfMs) - days * DAY_MS;
  const dayMs = (d: number) => firstDayMs + d * DAY_MS;
  const dateOf = (d: number) => isoAt(dayMs(d)).slice(0, 10);

  const org = generateDemoOrg({ seed, users: userCount, asOf: new Date(asOfMs), days, domain });
  const random = mulberry32(mixSeed(seed, 101));
  const people: ScenarioPerson[] = org.users.map((u: DemoUser) => ({
    index: u.index,
    upn: u.upn,
    givenName: u.givenName,
    surname: u.surname,
    displayName: u.displayName,
    department: u.department,
    jobTitle: u.jobTitle,
    managerUpn: u.managerUpn,
    employeeType: random() < 0.1 ? "Contractor" : "Regular",
    address: address(intBetween(random, 1, 240), pick(random, EMPLOYEE_STREETS)),
    busy: false,
    ward: null,
    serverRoom: false,
    resignation: null,
    improvementPlan: null,
    scenario: null,
    benignProfile: null,
  }));

  // Clinical staff: people nobody reports to become the Nursing department, one as its manager.
  const managers = new Set(people.map((p) => p.managerUpn).filter((m): m is string => m !== null));
  const leaves = shuffled(
    random,
    people.filter((p) => p.index !== 0 && !managers.has(p.upn)),
  );
  const nurseCount = Math.max(4, Math.round(userCount * 0.1));
  const nurses = leaves.slice(0, nurseCount);
  const ceo = people[0] as ScenarioPerson;
  nurses.forEach((n, i) => {
    n.department = NURSING;
    n.ward = WARDS[i % WARDS.length] as string;
    if (i === 0) {
      n.jobTitle = "Nurse Manager";
      n.managerUpn = ceo.upn;
    } else {
      n.jobTitle = pick(random, ["Registered Nurse", "Staff Nurse", "Charge Nurse"]);
      n.managerUpn = (nurses[0] as ScenarioPerson).upn;
    }
  });

  // Roles: scenario people first, then the benign people with triggers, then the busy ones.
  const others = shuffled(
    random,
    people.filter((p) => p.index !== 0 && p.ward === null),
  );
  const takeOther = (): ScenarioPerson => {
    const p = others.shift();
    if (!p) throw new RangeError("users: too few people for the scenarios.");
    return p;
  };
  const staffNurses = nurses.slice(1);
  const plans: Plan[] = [];
  const neighbours: Record<string, ScenarioPatient> = {};
  const resign = (p: ScenarioPerson, day: number, lastWorkingDay: number) => {
    const at = dayMs(day) + intBetween(random, 9 * 60, 17 * 60) * MINUTE_MS;
    p.resignation = {
      day,
      resignationDate: isoAt(at),
      lastWorkingDate: isoAt(dayMs(lastWorkingDay) + 17 * 60 * MINUTE_MS),
    };
  };
  const improvementPlan = (p: ScenarioPerson, day: number) => {
    p.improvementPlan = { day, effectiveDate: isoAt(dayMs(day) + intBetween(random, 9 * 60, 16 * 60) * MINUTE_MS) };
  };
  const E = days; // days are placed back from the end
  for (let i = 0; i < instances; i++) {
    const shift = 2 * i;
    for (const kind of SCENARIO_KINDS) {
      const id = `${kind}-${i + 1}`;
      let person: ScenarioPerson;
      let stepDays: Record<string, number>;
      switch (kind) {
        case "departingUsbCloud": {
          person = takeOther();
          const r = E - 14 - shift;
          resign(person, r, r + 14);
          stepDays = { resignation: r, exfilFrom: r - 2, exfilTo: r + 6 };
          break;
        }
        case "pipEmailLeak": {
          person = takeOther();
          const p = E - 17 - shift;
          improvementPlan(person, p);
          stepDays = { improvementPlan: p, emailFrom: p + 2, emailTo: p + 11 };
          break;
        }
        case "sequence": {
          person = takeOther();
          const s = E - 11 - shift;
          stepDays = { download: s, rename: s + 1, exfiltrate: s + 2, delete: s + 3 };
          break;
        }
        case "slowCumulative": {
          person = takeOther();
          const c = E - 32 - shift;
          stepDays = { exfilFrom: c, exfilTo: c + 29 };
          break;
        }
        case "defenceEvasionAfterResignation": {
          person = takeOther();
          const r = E - 13 - shift;
          resign(person, r, r + 14);
          stepDays = { resignation: r, firstAlert: r + 3, lastAlert: r + 6 };
          break;
        }
        case "physicalAfterTermination": {
          person = takeOther();
          const r = E - 26 - shift;
          resign(person, r, r + 14);
          stepDays = { resignation: r, lastWorkingDay: r + 14, firstAccess: r + 17, lastAccess: r + 22 };
          break;
        }
        case "nurseNeighbour": {
          const nurse = staffNurses[i];
          if (!nurse) throw new RangeError("users: too few nurses for the scenarios.");
          person = nurse;
          const n = E - 8 - shift;
          stepDays = { firstAccess: n, secondAccess: n + 3 };
          const own = nurse.address;
          const street = EMPLOYEE_STREETS.find(([s]) => s === own.street) as [string, string];
          const surnames = SURNAMES.filter((s) => s !== nurse.surname);
          neighbours[id] = {
            mrn: `MRN${String(900_000 + i * 17 + (seed % 1000)).padStart(6, "0")}`,
            firstName: pick(random, GIVEN_NAMES),
            lastName: pick(random, surnames),
            address: address(own.houseNumber > 2 ? own.houseNumber - 2 : own.houseNumber + 2, street),
            ward: nurse.ward as string,
          };
          break;
        }
      }
      person.scenario = { kind, id };
      const def = SCENARIO_DEFINITIONS[kind];
      plans.push({
        person,
        truth: {
          id,
          kind,
          title: def.title,
          upn: person.upn,
          expectedTemplates: def.expectedTemplates,
          startsAt: "",
          startDay: 0,
          startDate: "",
          days: stepDays,
          summary: def.summary,
        },
      });
    }
  }

  // Benign people with a job-related priority asset, or a trigger and ordinary activity.
  for (let i = 0; i < 3; i++) takeOther().serverRoom = true;
  const leaverCount = Math.max(2, Math.round(userCount * 0.04));
  for (let i = 0; i < leaverCount; i++) {
    const r = intBetween(random, 5, days - 3);
    resign(takeOther(), r, r + 14);
  }
  const planCount = Math.max(2, Math.round(userCount * 0.03));
  for (let i = 0; i < planCount; i++) improvementPlan(takeOther(), intBetween(random, 5, days - 5));

  // A quarter of the office staff is busy (heavy everyday activity), whatever else they are; the
  // slow exfiltrator is not (their ordinary activity stays light, so the daily totals are theirs).
  const office = shuffled(
    random,
    people.filter((p) => p.ward === null && p.scenario?.kind !== "slowCumulative"),
  );
  for (const p of office.slice(0, Math.round(office.length * 0.25))) p.busy = true;

  for (const p of people) {
    if (p.scenario) continue;
    p.benignProfile =
      p.ward !== null
        ? "nurse"
        : p.serverRoom
          ? "serverRoom"
          : p.resignation
            ? "leaver"
            : p.improvementPlan
              ? "improvementPlan"
              : p.busy
                ? "busy"
                : "quiet";
  }

  // Patients of the hospital: other streets and zip codes than the employees'.
  const patients: ScenarioPatient[] = [];
  const patientCount = Math.max(200, nurseCount * 30);
  for (let i = 0; i < patientCount; i++) {
    patients.push({
      mrn: `MRN${String(100_000 + i).padStart(6, "0")}`,
      firstName: pick(random, GIVEN_NAMES),
      lastName: pick(random, SURNAMES),
      address: address(intBetween(random, 1, 400), pick(random, PATIENT_STREETS)),
      ward: WARDS[i % WARDS.length] as string,
    });
  }

  const directoryCsv = csvText(
    SCENARIO_DIRECTORY_COLUMNS,
    people.map((p) => [
      p.upn,
      p.displayName,
      p.department,
      p.jobTitle,
      p.managerUpn ?? "",
      p.employeeType === "Contractor" ? "Contractor" : "Employee",
      p.ward !== null ? "Hospital" : "Headquarters",
      "TRUE",
    ]),
  );

  const set: ScenarioSet = {
    seed,
    asOf: isoAt(asOfMs),
    days,
    firstDate: dateOf(0),
    domain,
    instances,
    people,
    patients,
    neighbours,
    directoryCsv,
    priorityAssets: SCENARIO_PRIORITY_ASSETS,
    activityMapping: SCENARIO_ACTIVITY_MAPPING,
    groundTruth: {
      scenarios: [],
      benign: people
        .filter((p) => p.benignProfile !== null)
        .map((p) => ({ upn: p.upn, profile: p.benignProfile as BenignProfile, busy: p.busy })),
    },
  };

  // When each scenario starts: its first record (the scenario's own records, not the everyday ones).
  for (const { truth, person } of plans) {
    const startDay = Math.min(...Object.entries(truth.days).flatMap(([k, d]) => (STEP_STARTS.has(k) ? [d] : [])));
    const own = scenarioRecords(set, person, truth, startDay);
    const times = [
      ...own.activity.map((r) => r.Time),
      ...own.badging.map((r) => r.EventTime),
      ...own.health.map((r) => r.time),
    ].sort();
    truth.startDay = startDay;
    truth.startDate = dateOf(startDay);
    truth.startsAt = times[0] ?? isoAt(dayMs(startDay));
  }
  set.groundTruth.scenarios = plans.map((p) => p.truth);
  return set;
}

/** The step names whose day is when a scenario's risky behaviour starts (not its trigger). */
const STEP_STARTS = new Set(["exfilFrom", "emailFrom", "download", "firstAlert", "firstAccess"]);

// ---- One day's records --------------------------------------------------------------------------

interface HealthAccess {
  time: string;
  event: readonly [string, string, string];
  patient: ScenarioPatient;
}

class DayRecords {
  readonly activity: ScenarioActivityRecord[] = [];
  readonly badging: ScenarioBadgeRecord[] = [];
  readonly health: HealthAccess[] = [];
  private n = 0;
  readonly device: string;

  constructor(
    readonly person: ScenarioPerson,
    readonly dayIndex: number,
    readonly dayStartMs: number,
    readonly random: Random,
    readonly tag: string,
  ) {
    this.device = `LT-${String(person.index).padStart(4, "0")}`;
  }

  /** A time of this day between two hours (UTC), to the second. */
  at(fromHour: number, toHour: number): string {
    return isoAt(this.dayStartMs + intBetween(this.random, fromHour * 3600, toHour * 3600 - 1) * 1000);
  }

  event(
    activity: string,
    fields: Omit<ScenarioActivityRecord, "EventId" | "Time" | "User" | "Activity">,
    time?: string,
  ) {
    this.n++;
    this.activity.push({
      EventId: `ev-${this.dayIndex}-${this.person.index}-${this.tag}${this.n}`,
      Time: time ?? this.at(8, 18),
      User: this.person.upn,
      Activity: activity,
      ...fields,
    });
  }

  local(fileName: string): string {
    return `C:\\Users\\${aliasOf(this.person.upn)}\\Documents\\${fileName}`;
  }

  badge(assetId: string, assetName: string, time: string, status: "Success" | "Failed" = "Success") {
    this.badging.push({
      UserId: this.person.upn,
      AssetId: assetId,
      AssetName: assetName,
      EventTime: time,
      AccessStatus: status,
    });
  }
}

const siteOf = (department: string) => `https://contoso.sharepoint.example/sites/${slug(department)}`;

/** A document of the department's site: "<Department> <topic> <n>.<ext>". */
function siteDocument(random: Random, department: string): string {
  return `${department} ${pick(random, TOPICS)} ${intBetween(random, 1, 80)}.${pick(random, EXTENSIONS)}`;
}

function fileSize(random: Random, minKb: number, maxKb: number): number {
  return intBetween(random, minKb, maxKb) * 1024;
}

/**
 * Everyday activity. Names of files that leave the device (prints, attachments, USB, uploads) are
 * the person's own drafts and proposals, never a file they downloaded: a download then a print of
 * the same file is a data-theft sequence by definition, and benign people do not make sequences.
 */
function everyday(rec: DayRecords, weekend: boolean): void {
  const { person, random } = rec;
  if (person.ward !== null) {
    // Clinical staff: little office work.
    if (random() < 0.3)
      rec.event(SCENARIO_INTERNAL_EMAIL, { Recipients: `team.nursing@${domainOf(person)}`, AttachmentCount: 1 });
    return;
  }
  if (weekend && random() >= 0.1) return;
  const busy = person.busy;
  const site = siteOf(person.department);
  const downloaded: string[] = [];
  const downloads = busy ? intBetween(random, 8, 40) : random() < 0.7 ? intBetween(random, 1, 6) : 0;
  for (let i = 0; i < downloads; i++) {
    const name = siteDocument(random, person.department);
    downloaded.push(name);
    rec.event("file.downloadedFromDocumentSite", {
      FileName: name,
      FilePath: `${site}/Shared Documents/${name}`,
      SiteUrl: site,
      FileSize: fileSize(random, 20, 4000),
    });
  }
  const cloud = busy ? intBetween(random, 0, 10) : random() < 0.3 ? intBetween(random, 1, 3) : 0;
  const oneDrive = `https://contoso-my.sharepoint.example/personal/${slug(aliasOf(person.upn))}`;
  for (let i = 0; i < cloud; i++) {
    const name = `${pick(random, TOPICS)} notes ${intBetween(random, 1, 40)}.docx`;
    downloaded.push(name);
    rec.event("file.downloadedFromCloudStorage", {
      FileName: name,
      FilePath: `${oneDrive}/Documents/${name}`,
      SiteUrl: oneDrive,
      FileSize: fileSize(random, 10, 900),
    });
  }
  const prints = busy
    ? random() < 0.6
      ? intBetween(random, 1, 8)
      : 0
    : random() < 0.35
      ? intBetween(random, 1, 2)
      : 0;
  for (let i = 0; i < prints; i++) {
    const name = `Draft ${pick(random, TOPICS).toLowerCase()} ${person.index}-${intBetween(random, 1, 500)}.docx`;
    rec.event("file.printed", {
      FileName: name,
      FilePath: rec.local(name),
      FileSize: fileSize(random, 20, 800),
      Device: rec.device,
      Application: "WINWORD.EXE",
      PrinterName: "HQ-L2-Printer-East",
    });
  }
  if (EXTERNAL_DEPARTMENTS.has(person.department)) {
    const external = busy ? intBetween(random, 0, 7) : random() < 0.2 ? 1 : 0;
    for (let i = 0; i < external; i++) {
      const partner = pick(random, PARTNERS);
      const name = `Proposal ${partner.split(".")[0]} ${person.index}-${intBetween(random, 1, 300)}.pdf`;
      rec.event("email.sentExternally", {
        Recipients: `${pick(random, GIVEN_NAMES).toLowerCase()}@${partner}`,
        DestinationDomain: partner,
        Subject: `Proposal and next steps`,
        AttachmentCount: 1,
        FileName: name,
      });
    }
  }
  const internal = busy ? intBetween(random, 3, 12) : intBetween(random, 0, 4);
  for (let i = 0; i < internal; i++) {
    rec.event(SCENARIO_INTERNAL_EMAIL, {
      Recipients: `${pick(random, GIVEN_NAMES).toLowerCase()}.${pick(random, SURNAMES).toLowerCase()}@${domainOf(person)}`,
      Subject: `${pick(random, TOPICS)} update`,
      AttachmentCount: intBetween(random, 1, 3),
    });
  }
  const renames = busy ? intBetween(random, 0, 6) : random() < 0.15 ? 1 : 0;
  for (let i = 0; i < Math.min(renames, downloaded.length); i++) {
    const old = downloaded[i] as string;
    const dot = old.lastIndexOf(".");
    const name = `${old.slice(0, dot)} (edited)${old.slice(dot)}`;
    rec.event("file.renamed", {
      FileName: name,
      PreviousFileName: old,
      FilePath: rec.local(name),
      Device: rec.device,
      Application: "explorer.exe",
    });
  }
  const deletes = busy ? intBetween(random, 0, 15) : random() < 0.3 ? intBetween(random, 1, 4) : 0;
  for (let i = 0; i < deletes; i++) {
    const name =
      i < downloaded.length && random() < 0.5
        ? (downloaded[i] as string)
        : `Old ${pick(random, TOPICS).toLowerCase()} ${person.index}-${intBetween(random, 1, 900)}.docx`;
    rec.event("file.deleted", {
      FileName: name,
      FilePath: rec.local(name),
      Device: rec.device,
      Application: "explorer.exe",
    });
  }
  if (busy && random() < 0.1) {
    const name = `Project backup ${person.index}-${rec.dayIndex}.zip`;
    rec.event("file.archived", {
      FileName: name,
      FilePath: rec.local(name),
      FileSize: fileSize(random, 2000, 90_000),
      Device: rec.device,
      Application: "7zFM.exe",
    });
  }
  if (busy && USB_DEPARTMENTS.has(person.department) && random() < 0.1) {
    rec.event("device.usbMounted", { Device: rec.device, MediaName: "Kingston DataTraveler", TargetPath: "E:\\" });
    const files = intBetween(random, 1, 3);
    for (let i = 0; i < files; i++) {
      const name = `Field data ${person.index}-${rec.dayIndex}-${i + 1}.csv`;
      rec.event("file.copiedToRemovableMedia", {
        FileName: name,
        FilePath: rec.local(name),
        FileSize: fileSize(random, 50, 5000),
        Device: rec.device,
        Application: "explorer.exe",
        TargetPath: `E:\\${name}`,
        MediaName: "Kingston DataTraveler",
      });
    }
  }
  if (busy && random() < 0.1) {
    const partner = pick(random, PARTNERS);
    const files = intBetween(random, 1, 3);
    for (let i = 0; i < files; i++) {
      const name = `Submission ${person.index}-${rec.dayIndex}-${i + 1}.pdf`;
      rec.event("file.uploadedToCloud", {
        FileName: name,
        FilePath: rec.local(name),
        FileSize: fileSize(random, 50, 3000),
        Device: rec.device,
        Application: "msedge.exe",
        DestinationDomain: `portal.${partner}`,
        Url: `https://portal.${partner}/upload`,
      });
    }
  }
}

function everydayBadges(rec: DayRecords, weekend: boolean, onDuty: boolean): void {
  const { person, random } = rec;
  if (person.ward !== null) {
    if (!onDuty) return;
    rec.badge("HOSP-Main-Entrance", "Hospital main entrance", rec.at(6, 8));
    rec.badge(`HOSP-Ward-${person.ward}`, `${person.ward} ward`, rec.at(7, 9));
    return;
  }
  if (weekend) return;
  rec.badge("HQ-Main-Entrance", "HQ main entrance", rec.at(7, 10));
  if (random() < 0.5) rec.badge("HQ-L2-East", "HQ level 2 east wing", rec.at(10, 16));
  if (person.serverRoom) {
    const visits = intBetween(random, 1, 2);
    for (let i = 0; i < visits; i++) rec.badge("HQ-L3-ServerRoom", "Server room, HQ level 3", rec.at(9, 17));
  }
}

function everydayHealth(seed: number, rec: DayRecords, patients: readonly ScenarioPatient[], onDuty: boolean): void {
  const { person, random } = rec;
  if (person.ward === null || !onDuty) return;
  // Each nurse has a usual caseload; a day varies by a quarter around it (never twice the usual).
  const usual = intBetween(mulberry32(mixSeed(seed, 14, person.index)), 8, 22);
  const count = Math.max(1, Math.round(usual * (0.75 + random() * 0.5)));
  const ward = patients.filter((p) => p.ward === person.ward);
  const seen = shuffled(random, ward).slice(0, count);
  for (const patient of seen) {
    const events = intBetween(random, 1, 3);
    for (let i = 0; i < events; i++) {
      rec.health.push({ time: rec.at(7, 19), event: pick(random, EHR_EVENTS), patient });
    }
  }
  if (random() < 0.1 && seen[0]) {
    rec.health.push({
      time: rec.at(7, 19),
      event: ["Print Discharge Summary", "Clinical", "Discharge"],
      patient: seen[0],
    });
  }
}

/** The scenario's own records of one day (nothing on days outside its steps). */
function scenarioRecords(set: ScenarioSet, person: ScenarioPerson, truth: ScenarioTruth, dayIndex: number): DayRecords {
  const dayStartMs = Date.parse(`${set.firstDate}T00:00:00.000Z`) + dayIndex * DAY_MS;
  const random = mulberry32(mixSeed(set.seed, 12, person.index, dayIndex));
  const rec = new DayRecords(person, dayIndex, dayStartMs, random, "s");
  const d = truth.days;
  const personal = (name: string) => ({
    FileName: name,
    FilePath: rec.local(name),
    Device: rec.device,
  });
  switch (truth.kind) {
    case "departingUsbCloud": {
      const from = d.exfilFrom as number;
      const to = d.exfilTo as number;
      // Every day of the window except an occasional quiet one (never the first day or the resignation day).
      if (dayIndex < from || dayIndex > to) break;
      if (dayIndex !== from && dayIndex !== d.resignation && random() < 0.2) break;
      rec.event("device.usbMounted", { Device: rec.device, MediaName: "SanDisk Ultra USB 3.0", TargetPath: "F:\\" });
      const usb = intBetween(random, 12, 40);
      for (let i = 0; i < usb; i++) {
        const name = `${person.department} project ${dayIndex}-${i + 1}.${pick(random, EXTENSIONS)}`;
        rec.event("file.copiedToRemovableMedia", {
          ...personal(name),
          FileSize: fileSize(random, 200, 20_000),
          Application: "explorer.exe",
          TargetPath: `F:\\Backup\\${name}`,
          MediaName: "SanDisk Ultra USB 3.0",
        });
      }
      const uploads = intBetween(random, 10, 30);
      const cloud = pick(random, PERSONAL_CLOUD);
      for (let i = 0; i < uploads; i++) {
        const name = `${person.department} archive ${dayIndex}-${i + 1}.${pick(random, EXTENSIONS)}`;
        rec.event("file.uploadedToCloud", {
          ...personal(name),
          FileSize: fileSize(random, 100, 15_000),
          Application: "chrome.exe",
          DestinationDomain: cloud,
          Url: `https://${cloud}/upload`,
        });
      }
      break;
    }
    case "pipEmailLeak": {
      const from = d.emailFrom as number;
      if (dayIndex < from || dayIndex > (d.emailTo as number)) break;
      if (dayIndex !== from && random() < 0.3) break;
      const mails = intBetween(random, 4, 12);
      const home = `${person.givenName.toLowerCase()}.${person.surname.toLowerCase()}.home`;
      for (let i = 0; i < mails; i++) {
        const free = pick(random, FREE_MAIL);
        const name = `${pick(random, ["Client contacts", "Rate card", "Deal notes", "Team contacts", "Commission sheet"])} ${dayIndex}-${i + 1}.xlsx`;
        rec.event("email.sentToFreeDomain", {
          Recipients: `${home}@${free}`,
          DestinationDomain: free,
          Subject: pick(random, ["fwd", "for later", "docs", "copy"]),
          AttachmentCount: 1,
          FileName: name,
        });
      }
      break;
    }
    case "sequence": {
      const files = shuffled(mulberry32(mixSeed(set.seed, 13, person.index)), CONFIDENTIAL).slice(0, 8);
      const renamed = files.map((_, i) => `holiday-photos-${String(i + 1).padStart(2, "0")}.jpg`);
      const site = "https://contoso.sharepoint.example/sites/BoardRoom";
      if (dayIndex === d.download) {
        files.forEach((name) => {
          rec.event(
            "file.downloadedFromDocumentSite",
            {
              FileName: name,
              FilePath: `${site}/Shared Documents/${name}`,
              SiteUrl: site,
              FileSize: fileSize(random, 100, 6000),
            },
            rec.at(10, 12),
          );
        });
      } else if (dayIndex === d.rename) {
        files.forEach((old, i) => {
          rec.event(
            "file.renamed",
            {
              ...personal(renamed[i] as string),
              PreviousFileName: old,
              Application: "explorer.exe",
            },
            rec.at(13, 15),
          );
        });
      } else if (dayIndex === d.exfiltrate) {
        renamed.forEach((name, i) => {
          if (i < 5) {
            rec.event(
              "file.uploadedToCloud",
              {
                ...personal(name),
                FileSize: fileSize(random, 100, 6000),
                Application: "chrome.exe",
                DestinationDomain: "drive.google.com",
                Url: "https://drive.google.com/upload",
              },
              rec.at(17, 19),
            );
          } else {
            rec.event(
              "file.copiedToRemovableMedia",
              {
                ...personal(name),
                FileSize: fileSize(random, 100, 6000),
                Application: "explorer.exe",
                TargetPath: `G:\\${name}`,
                MediaName: "Generic USB Flash Disk",
              },
              rec.at(17, 19),
            );
          }
        });
      } else if (dayIndex === d.delete) {
        renamed.forEach((name) => {
          rec.event("file.deleted", { ...personal(name), Application: "explorer.exe" }, rec.at(8, 9));
        });
      }
      break;
    }
    case "slowCumulative": {
      if (dayIndex < (d.exfilFrom as number) || dayIndex > (d.exfilTo as number)) break;
      const name = (what: string, i: number) =>
        `${what} ${person.index}-${dayIndex}-${i + 1}.${pick(random, EXTENSIONS)}`;
      const usb = intBetween(random, 3, 8);
      for (let i = 0; i < usb; i++) {
        rec.event("file.copiedToRemovableMedia", {
          ...personal(name("Customer file", i)),
          FileSize: fileSize(random, 1000, 9000),
          Application: "explorer.exe",
          TargetPath: "E:\\",
          MediaName: "Samsung BAR Plus",
        });
      }
      const uploads = intBetween(random, 3, 8);
      for (let i = 0; i < uploads; i++) {
        const cloud = pick(random, PERSONAL_CLOUD);
        rec.event("file.uploadedToCloud", {
          ...personal(name("Account plan", i)),
          FileSize: fileSize(random, 200, 8000),
          Application: "firefox.exe",
          DestinationDomain: cloud,
          Url: `https://${cloud}/upload`,
        });
      }
      const free = intBetween(random, 1, 2);
      for (let i = 0; i < free; i++) {
        const domain = pick(random, FREE_MAIL);
        rec.event("email.sentToFreeDomain", {
          Recipients: `${person.surname.toLowerCase()}.backup@${domain}`,
          DestinationDomain: domain,
          Subject: "notes",
          AttachmentCount: 1,
          FileName: name("Contacts", i),
        });
      }
      const out = intBetween(random, 3, 8);
      for (let i = 0; i < out; i++) {
        rec.event("email.sentExternally", {
          Recipients: "partners@consult-hub.example",
          DestinationDomain: "consult-hub.example",
          Subject: "as discussed",
          AttachmentCount: 1,
          FileName: name("Price list", i),
        });
      }
      break;
    }
    case "defenceEvasionAfterResignation": {
      const alert = (type: string, title: string, category: string, severity: string, file: string) =>
        rec.event(type, {
          AlertId: `da${person.index}${dayIndex}${rec.activity.length + 1}`,
          AlertTitle: title,
          Category: category,
          Severity: severity,
          Device: rec.device,
          FileName: file,
        });
      if (dayIndex === d.firstAlert) {
        alert(
          "security.defenseEvasion",
          "Attempt to turn off Microsoft Defender Antivirus protection",
          "DefenseEvasion",
          "High",
          "MpCmdRun.exe",
        );
        alert("security.defenseEvasion", "Tamper protection bypass attempted", "DefenseEvasion", "High", "reg.exe");
      } else if (dayIndex === (d.firstAlert as number) + 2) {
        alert("security.defenseEvasion", "Security event log cleared", "DefenseEvasion", "Medium", "wevtutil.exe");
      } else if (dayIndex === d.lastAlert) {
        alert(
          "security.unwantedSoftware",
          "Unapproved remote access tool installed",
          "UnwantedSoftware",
          "Medium",
          "anydesk.exe",
        );
      }
      break;
    }
    case "physicalAfterTermination": {
      const first = d.firstAccess as number;
      if (dayIndex === first) {
        rec.badge("HQ-Main-Entrance", "HQ main entrance", rec.at(19, 20));
        rec.badge("HQ-L3-ServerRoom", "Server room, HQ level 3", rec.at(20, 21), "Failed");
        rec.badge("HQ-L3-ServerRoom", "Server room, HQ level 3", rec.at(21, 22));
      } else if (dayIndex === first + 3) {
        rec.badge("HQ-Main-Entrance", "HQ main entrance", rec.at(19, 20));
        rec.badge("HQ-B1-Archive", "Records archive, HQ basement", rec.at(20, 21));
      } else if (dayIndex === d.lastAccess) {
        rec.badge("HQ-Main-Entrance", "HQ main entrance", rec.at(19, 20));
        rec.badge("HQ-L3-ServerRoom", "Server room, HQ level 3", rec.at(20, 21));
      }
      break;
    }
    case "nurseNeighbour": {
      const patient = set.neighbours[truth.id];
      if (!patient) break;
      if (dayIndex === d.firstAccess) {
        rec.health.push({ time: rec.at(13, 14), event: ["Open Patient Chart", "Clinical", "Patient Chart"], patient });
        rec.health.push({ time: rec.at(14, 15), event: ["Chart Review", "Clinical", "Patient Chart"], patient });
      } else if (dayIndex === d.secondAccess) {
        rec.health.push({ time: rec.at(13, 14), event: ["Chart Review", "Clinical", "Patient Chart"], patient });
        rec.health.push({ time: rec.at(14, 15), event: ["Print Face Sheet", "Clinical", "Patient Chart"], patient });
      }
      break;
    }
  }
  return rec;
}

function healthRow(person: ScenarioPerson, access: HealthAccess, workstation: string): (string | number)[] {
  const p = access.patient;
  const [eventName, section, category] = access.event;
  return [
    access.time,
    eventName,
    workstation,
    section,
    category,
    p.mrn,
    p.firstName,
    "",
    p.lastName,
    p.address.line1,
    "",
    p.address.city,
    p.address.zip,
    p.address.state,
    "USA",
    p.ward,
    "",
    "",
    person.upn,
    aliasOf(person.upn),
    `E${String(person.index).padStart(5, "0")}`,
    person.surname,
    person.givenName,
  ];
}

/**
 * One simulated day's files: the HR rows dated that day (and the profiles, weekly), every
 * person's activity, badge events and EHR accesses, with the scenarios' records on their days.
 * People whose last working day has passed do nothing any more, except what a scenario makes them do.
 */
export function scenarioDay(set: ScenarioSet, dayIndex: number): ScenarioDayData {
  if (!Number.isInteger(dayIndex) || dayIndex < 0 || dayIndex >= set.days) {
    throw new RangeError(`dayIndex: from 0 to ${set.days - 1}.`);
  }
  const dayStartMs = Date.parse(`${set.firstDate}T00:00:00.000Z`) + dayIndex * DAY_MS;
  const date = isoAt(dayStartMs).slice(0, 10);
  const weekday = new Date(dayStartMs).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const truthByUpn = new Map(set.groundTruth.scenarios.map((t) => [t.upn, t]));

  const activity: ScenarioActivityRecord[] = [];
  const badging: ScenarioBadgeRecord[] = [];
  const healthRows: { time: string; row: (string | number)[] }[] = [];
  for (const person of set.people) {
    const gone = terminationMs(person);
    const working = gone === null || dayStartMs < gone;
    if (working) {
      const random = mulberry32(mixSeed(set.seed, 11, person.index, dayIndex));
      const onDuty = person.ward !== null && random() < 5 / 7;
      const rec = new DayRecords(person, dayIndex, dayStartMs, random, "");
      everyday(rec, weekend);
      everydayBadges(rec, weekend, onDuty);
      everydayHealth(set.seed, rec, set.patients, onDuty);
      activity.push(...rec.activity);
      badging.push(...rec.badging);
      for (const h of rec.health)
        healthRows.push({
          time: h.time,
          row: healthRow(person, h, `WS-${person.ward?.slice(0, 3).toUpperCase()}-${person.index}`),
        });
    }
    const truth = truthByUpn.get(person.upn);
    if (truth) {
      const own = scenarioRecords(set, person, truth, dayIndex);
      activity.push(...own.activity);
      badging.push(...own.badging);
      for (const h of own.health)
        healthRows.push({
          time: h.time,
          row: healthRow(person, h, `WS-${person.ward?.slice(0, 3).toUpperCase()}-${person.index}`),
        });
    }
  }
  activity.sort((a, b) => (a.Time < b.Time ? -1 : a.Time > b.Time ? 1 : 0));
  badging.sort((a, b) => (a.EventTime < b.EventTime ? -1 : a.EventTime > b.EventTime ? 1 : 0));
  healthRows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));

  const resignations = set.people.filter((p) => p.resignation?.day === dayIndex);
  const plans = set.people.filter((p) => p.improvementPlan?.day === dayIndex);
  const current = set.people.filter((p) => {
    const gone = terminationMs(p);
    return gone === null || dayStartMs < gone;
  });
  return {
    index: dayIndex,
    date,
    resignationsCsv:
      resignations.length === 0
        ? null
        : csvText(
            SCENARIO_RESIGNATION_COLUMNS,
            resignations.map((p) => [
              p.upn,
              p.resignation?.resignationDate ?? "",
              p.resignation?.lastWorkingDate ?? "",
            ]),
          ),
    improvementPlansCsv:
      plans.length === 0
        ? null
        : csvText(
            SCENARIO_IMPROVEMENT_PLAN_COLUMNS,
            plans.map((p) => [
              p.upn,
              p.improvementPlan?.effectiveDate ?? "",
              "Targets missed two quarters running; weekly check-ins with the manager",
              "2 - Below expectations",
            ]),
          ),
    employeeProfilesCsv:
      dayIndex % SCENARIO_PROFILE_EVERY_DAYS === 0
        ? csvText(
            SCENARIO_PROFILE_COLUMNS,
            current.map((p) => [
              p.upn,
              aliasOf(p.upn),
              p.givenName,
              p.surname,
              p.address.line1,
              "",
              p.address.city,
              p.address.state,
              p.address.zip,
              "USA",
              p.department,
              p.employeeType,
              p.jobTitle,
            ]),
          )
        : null,
    activity,
    badging,
    healthcareCsv:
      healthRows.length === 0
        ? null
        : csvText(
            SCENARIO_HEALTHCARE_COLUMNS,
            healthRows.map((h) => h.row),
          ),
  };
}

/** Every day's files in order (one day at a time). */
export function* scenarioDays(set: ScenarioSet): Generator<ScenarioDayData, void, undefined> {
  for (let d = 0; d < set.days; d++) yield scenarioDay(set, d);
}
