-- Foundation schema: tenant, console accounts, app registrations, directory users, connectors,
-- upload runs, signals, indicators, policies, insights, alerts, audit.

CREATE TABLE tenant (
  id              uuid PRIMARY KEY,
  name            text NOT NULL,
  settings        jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- HMAC key for pseudonyms and JWT signing key; never leave the server.
  pseudonym_key   text NOT NULL,
  token_key       text NOT NULL,
  demo_loaded     boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
  id              uuid PRIMARY KEY,
  username        text NOT NULL UNIQUE,
  display_name    text NOT NULL,
  email           text,
  password_hash   text NOT NULL,
  role_groups     text[] NOT NULL DEFAULT '{}',
  disabled        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id              uuid PRIMARY KEY,
  account_id      uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  revoked_at      timestamptz
);

CREATE TABLE app_registrations (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL UNIQUE,
  name            text NOT NULL,
  secret_hash     text NOT NULL,
  created_by      uuid REFERENCES accounts(id),
  disabled        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The people being monitored. Created on first sight (from any signal) and enriched later.
CREATE TABLE directory_users (
  id              uuid PRIMARY KEY,
  upn             text NOT NULL UNIQUE, -- lower-case
  display_name    text,
  department      text,
  job_title       text,
  manager_upn     text,
  employment_status text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connectors (
  id              uuid PRIMARY KEY,
  type            text NOT NULL,          -- 'indicators' | 'hr'
  name            text NOT NULL,
  app_client_id   uuid NOT NULL REFERENCES app_registrations(client_id),
  job_id          uuid NOT NULL UNIQUE,
  config          jsonb NOT NULL,         -- schema, mapping, source values, options
  disabled        boolean NOT NULL DEFAULT false,
  created_by      uuid REFERENCES accounts(id),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE upload_runs (
  id              uuid PRIMARY KEY,
  connector_id    uuid NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  app_client_id   uuid NOT NULL,
  status          text NOT NULL,          -- 'received' | 'processing' | 'completed' | 'failed'
  file_name       text,
  stored_path     text,
  bytes           bigint NOT NULL DEFAULT 0,
  checksum        text,                   -- sha256 of the uploaded bytes
  records_received integer NOT NULL DEFAULT 0,
  records_saved   integer NOT NULL DEFAULT 0,
  records_rejected integer NOT NULL DEFAULT 0,
  records_duplicate integer NOT NULL DEFAULT 0,
  warnings        jsonb NOT NULL DEFAULT '[]'::jsonb,
  error           text,
  received_at     timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz
);
CREATE INDEX upload_runs_connector ON upload_runs (connector_id, received_at DESC);

-- Rows an upload rejected (or dropped as duplicates), with the reason a user can act on.
CREATE TABLE run_rejections (
  run_id          uuid NOT NULL REFERENCES upload_runs(id) ON DELETE CASCADE,
  line            integer NOT NULL,
  column_name     text,
  reason          text NOT NULL,
  kind            text NOT NULL DEFAULT 'rejected', -- 'rejected' | 'duplicate'
  raw             text
);
CREATE INDEX run_rejections_run ON run_rejections (run_id, line);

-- One table of typed events. kind: 'indicator' (third-party detection) | 'hr.resignation' | ...
CREATE TABLE signals (
  id              bigserial PRIMARY KEY,
  connector_id    uuid NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  run_id          uuid,
  user_id         uuid NOT NULL REFERENCES directory_users(id),
  occurred_at     timestamptz NOT NULL,
  kind            text NOT NULL,
  source_value    text,
  attributes      jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key      text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signals_dedupe ON signals (connector_id, dedupe_key);
CREATE INDEX signals_user_time ON signals (user_id, occurred_at);
CREATE INDEX signals_run ON signals (run_id);

-- Custom indicators built on a connector (built-in catalog comes later).
CREATE TABLE indicators (
  id              uuid PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  description     text,
  kind            text NOT NULL DEFAULT 'custom',
  connector_id    uuid REFERENCES connectors(id) ON DELETE CASCADE,
  source_value    text,                   -- null = single source / default
  value_column    text,                   -- Number column; null = trigger only
  enabled         boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE policies (
  id              uuid PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  template        text NOT NULL,
  description     text,
  config          jsonb NOT NULL,          -- scope, triggers, indicators with thresholds
  enabled         boolean NOT NULL DEFAULT true,
  created_by      uuid REFERENCES accounts(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A user in a policy: why and for which scoring window.
CREATE TABLE policy_memberships (
  policy_id       uuid NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES directory_users(id),
  triggered_at    timestamptz NOT NULL,
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  reason          text NOT NULL,
  trigger_signal_id bigint,
  PRIMARY KEY (policy_id, user_id, triggered_at)
);

-- Daily aggregate of one indicator for one user in one policy, scored against thresholds.
CREATE TABLE insights (
  id              uuid PRIMARY KEY,
  policy_id       uuid NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES directory_users(id),
  indicator_id    uuid NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
  day             date NOT NULL,
  value           double precision NOT NULL,
  event_count     integer NOT NULL,
  score           double precision NOT NULL,
  severity        text NOT NULL,
  UNIQUE (policy_id, user_id, indicator_id, day)
);

CREATE TABLE alerts (
  id              uuid PRIMARY KEY,
  policy_id       uuid NOT NULL REFERENCES policies(id),
  user_id         uuid NOT NULL REFERENCES directory_users(id),
  status          text NOT NULL,            -- 'NeedsReview' | 'Confirmed' | 'Dismissed' | 'Resolved'
  severity        text NOT NULL,
  score           double precision NOT NULL,
  version         integer NOT NULL,
  explanation     jsonb NOT NULL,
  time_detected   timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
-- One open alert per user and policy.
CREATE UNIQUE INDEX alerts_open_per_user_policy ON alerts (policy_id, user_id)
  WHERE status IN ('NeedsReview', 'Confirmed');
CREATE INDEX alerts_detected ON alerts (time_detected DESC);

CREATE TABLE alert_versions (
  alert_id        uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  version         integer NOT NULL,
  severity        text NOT NULL,
  score           double precision NOT NULL,
  explanation     jsonb NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (alert_id, version)
);

CREATE TABLE audit_entries (
  id              bigserial PRIMARY KEY,
  at              timestamptz NOT NULL,
  actor_kind      text NOT NULL,
  actor_id        text NOT NULL,
  actor_name      text,
  action          text NOT NULL,          -- e.g. 'connector.create'
  category        text NOT NULL,          -- Policies | Alerts | Settings | Connectors | Users | ...
  target_type     text,
  target_id       text,
  details         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_entries_at ON audit_entries (at DESC);
