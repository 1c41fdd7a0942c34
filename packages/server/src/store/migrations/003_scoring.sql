-- Scoring: deleted policies are kept (their alerts refer to them) and free their name for reuse;
-- indexes for the scoring runs and the alert queue.

ALTER TABLE policies ADD COLUMN deleted_at timestamptz;

ALTER TABLE policies DROP CONSTRAINT IF EXISTS policies_name_key;

CREATE UNIQUE INDEX policies_live_name ON policies (lower(name)) WHERE deleted_at IS NULL;

CREATE UNIQUE INDEX indicators_name_ci ON indicators (lower(name));

CREATE INDEX alerts_policy_status ON alerts (policy_id, status);

CREATE INDEX alerts_user_policy ON alerts (user_id, policy_id);

CREATE INDEX policy_memberships_user ON policy_memberships (user_id);

CREATE INDEX insights_user_policy ON insights (user_id, policy_id);
