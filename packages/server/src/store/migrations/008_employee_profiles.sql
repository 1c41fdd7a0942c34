-- Employee profiles from HR connectors: the latest profile of each employee, refreshed by every
-- upload that carries it, even when the profile is unchanged (ingestion/afterInsert.ts).
-- Healthcare connectors match patients against them (family members, neighbours, co-workers).
-- A profile not refreshed for 30 days expires: readers ignore it at once (refreshed_at older than
-- 30 days) and the employee-profiles job (jobs/employeeProfiles.ts) removes it.

CREATE TABLE employee_profiles (
  user_id         uuid PRIMARY KEY REFERENCES directory_users(id),
  connector_id    uuid NOT NULL REFERENCES connectors(id),
  run_id          uuid,
  user_name       text,
  first_name      text,
  last_name       text,
  address_line1   text,
  address_line2   text,
  city            text,
  state           text,
  zip_code        text,
  country         text,
  department      text,
  employee_type   text,
  role            text,
  refreshed_at    timestamptz NOT NULL
);

CREATE INDEX employee_profiles_refreshed ON employee_profiles (refreshed_at);

CREATE INDEX employee_profiles_last_name ON employee_profiles (lower(last_name));

CREATE INDEX employee_profiles_address ON employee_profiles (lower(address_line1), zip_code);
