-- Operating connectors: soft delete (a deleted connector stays in the table, hidden, so the signals
-- and the run log it brought keep their connector), edits, scheduled imports from a server folder or
-- an HTTPS URL, and the files a folder schedule has already imported.

ALTER TABLE connectors ADD COLUMN deleted_at timestamptz;

ALTER TABLE connectors ADD COLUMN updated_at timestamptz;

-- Connectors are no longer removed from the table: a row deleted by hand must not take the signals
-- and the run log with it, so the cascades become restrictions.
ALTER TABLE signals DROP CONSTRAINT IF EXISTS signals_connector_id_fkey;

ALTER TABLE signals ADD CONSTRAINT signals_connector_id_fkey
  FOREIGN KEY (connector_id) REFERENCES connectors(id) ON DELETE RESTRICT;

ALTER TABLE upload_runs DROP CONSTRAINT IF EXISTS upload_runs_connector_id_fkey;

ALTER TABLE upload_runs ADD CONSTRAINT upload_runs_connector_id_fkey
  FOREIGN KEY (connector_id) REFERENCES connectors(id) ON DELETE RESTRICT;

-- 'upload': pushed by an upload script or `openirm upload`; 'schedule': pulled by a scheduled import.
ALTER TABLE upload_runs ADD COLUMN origin text NOT NULL DEFAULT 'upload';

-- At most one schedule per connector. `source` is {kind:'folder', path, pattern, mode} or
-- {kind:'url', url, headers}; header values are never shown back by the API.
CREATE TABLE connector_schedules (
  connector_id    uuid PRIMARY KEY REFERENCES connectors(id),
  cron            text NOT NULL,
  timezone        text NOT NULL DEFAULT 'UTC',
  source          jsonb NOT NULL,
  enabled         boolean NOT NULL DEFAULT true,
  -- NULL while disabled or while a firing is being claimed.
  next_run_at     timestamptz,
  -- Set while an import runs, so two servers (or a manual run) never import the same file twice.
  running_since   timestamptz,
  last_run_at     timestamptz,
  last_status     text,                   -- 'imported' | 'no_new_file' | 'failed' | 'skipped'
  last_message    text,
  last_run_ids    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by      uuid REFERENCES accounts(id),
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

CREATE INDEX connector_schedules_due ON connector_schedules (next_run_at) WHERE enabled;

-- Files a folder schedule took, by name, size and modification time: a file is imported once, and
-- again only when it changes.
CREATE TABLE connector_imported_files (
  connector_id    uuid NOT NULL REFERENCES connectors(id),
  file_name       text NOT NULL,
  bytes           bigint NOT NULL,
  modified_at     timestamptz NOT NULL,
  run_id          uuid,
  imported_at     timestamptz NOT NULL,
  PRIMARY KEY (connector_id, file_name, bytes, modified_at)
);
