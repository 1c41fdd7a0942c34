-- Manual scoping ("start scoring activity for users") and removals from scoring.
-- A manual_scoping row scores one user in one policy from starts_at (the request time) until
-- ends_at (starts_at + the chosen 5–30 days, or earlier when the user is removed from scoring),
-- with a 90-day look-back before starts_at's day. A scoring_removals row stops scoring the user in
-- every policy: the scorer ignores every trigger at or before the user's latest removal.

CREATE TABLE manual_scoping (
  id          uuid PRIMARY KEY,
  policy_id   uuid NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES directory_users(id),
  reason      text NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE INDEX manual_scoping_user ON manual_scoping (user_id);

-- The list of a policy's manually scoped users, newest first.
CREATE INDEX manual_scoping_policy ON manual_scoping (policy_id, created_at DESC);

CREATE TABLE scoring_removals (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES directory_users(id),
  removed_at  timestamptz NOT NULL,
  reason      text,
  removed_by  text NOT NULL
);

CREATE INDEX scoring_removals_user ON scoring_removals (user_id, removed_at);
