-- Insights of three kinds: an indicator's day (as before), a detected sequence, and the user's
-- cumulative exfiltration. Each is identified within its policy and user by a key
-- ("<indicator id>|<day>", the sequence's id, or "cumulative"); sequences and cumulative
-- exfiltration have no indicator. The score is the boosted score; base_score is the score from the
-- thresholds alone, and details holds the boosters and what the sequence or comparison was.

ALTER TABLE insights ADD COLUMN kind text NOT NULL DEFAULT 'indicator';

ALTER TABLE insights ADD COLUMN insight_key text;

UPDATE insights SET insight_key = indicator_id::text || '|' || to_char(day, 'YYYY-MM-DD');

ALTER TABLE insights ALTER COLUMN insight_key SET NOT NULL;

ALTER TABLE insights ALTER COLUMN indicator_id DROP NOT NULL;

ALTER TABLE insights DROP CONSTRAINT IF EXISTS insights_policy_id_user_id_indicator_id_day_key;

CREATE UNIQUE INDEX insights_policy_user_key ON insights (policy_id, user_id, insight_key);

ALTER TABLE insights ADD COLUMN base_score double precision;

UPDATE insights SET base_score = score;

ALTER TABLE insights ALTER COLUMN base_score SET NOT NULL;

ALTER TABLE insights ADD COLUMN details jsonb;
