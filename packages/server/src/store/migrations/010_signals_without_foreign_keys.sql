-- Signals are the one table every upload writes a row to per record, so every check on an insert
-- costs at bulk-load scale. Their two foreign keys guarded against deletions that never happen:
-- connectors are only ever soft-deleted (deleted_at) and directory users likewise (deleted_at), and
-- an upload creates each user before it writes that user's signals in the same flow. Checking
-- them on every row cost about a quarter of PostgreSQL's time per stored signal, so they go.

ALTER TABLE signals DROP CONSTRAINT IF EXISTS signals_connector_id_fkey;

ALTER TABLE signals DROP CONSTRAINT IF EXISTS signals_user_id_fkey;
