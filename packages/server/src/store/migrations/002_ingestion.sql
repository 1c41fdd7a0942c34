-- Ingestion: the staging table upload batches are COPied into before they move to signals, and an
-- index to find the runs to resume at start.

-- Rows of a run on their way to signals. Unlogged: after a crash the run is processed again from its
-- stored file anyway.
CREATE UNLOGGED TABLE upload_staging (
  run_id          uuid NOT NULL,
  line            integer NOT NULL,
  user_id         uuid NOT NULL,
  occurred_at     timestamptz NOT NULL,
  kind            text NOT NULL,
  source_value    text,
  attributes      jsonb NOT NULL,
  dedupe_key      text NOT NULL,
  raw             text
);
CREATE INDEX upload_staging_run ON upload_staging (run_id, user_id, occurred_at);

CREATE INDEX upload_runs_unfinished ON upload_runs (received_at) WHERE status IN ('received', 'processing');
