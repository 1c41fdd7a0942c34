-- Adaptive protection: each user's current risk level, the history of level changes, and the
-- webhook endpoints told about changes with one delivery row per event and endpoint.

CREATE TABLE risk_levels (
  user_id         uuid PRIMARY KEY REFERENCES directory_users(id),
  level           text,                    -- 'Elevated' | 'Moderate' | 'Minor'; null = none
  assigned_at     timestamptz,
  expires_at      timestamptz,
  reasons         jsonb NOT NULL DEFAULT '[]'::jsonb,
  reset_at        timestamptz,             -- last manual Expire (or adaptive protection turned off)
  computed_at     timestamptz NOT NULL
);

CREATE INDEX risk_levels_level ON risk_levels (level, expires_at) WHERE level IS NOT NULL;

CREATE TABLE risk_level_changes (
  id              uuid PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES directory_users(id),
  previous_level  text,
  level           text,
  at              timestamptz NOT NULL,
  expires_at      timestamptz,
  reasons         jsonb NOT NULL DEFAULT '[]'::jsonb,
  cause           text NOT NULL            -- 'criteria' | 'expiry' | 'expire' | 'disabled' | 'triage'
);

CREATE INDEX risk_level_changes_user ON risk_level_changes (user_id, at DESC);

CREATE TABLE risk_level_webhooks (
  id                  uuid PRIMARY KEY,
  name                text NOT NULL,
  url                 text NOT NULL,
  secret              text NOT NULL,       -- kept as given (it signs each delivery); never returned
  include_identities  boolean NOT NULL DEFAULT false,
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL,
  deleted_at          timestamptz
);

CREATE TABLE risk_level_deliveries (
  id              uuid PRIMARY KEY,
  seq             bigserial,
  webhook_id      uuid NOT NULL REFERENCES risk_level_webhooks(id) ON DELETE CASCADE,
  event_id        uuid NOT NULL,
  event_type      text NOT NULL,
  user_id         uuid,                    -- null for test events
  body            text NOT NULL,           -- the exact JSON sent (and signed) on every attempt
  status          text NOT NULL,           -- 'pending' | 'delivered' | 'failed' | 'cancelled'
  attempts        integer NOT NULL DEFAULT 0,
  max_attempts    integer NOT NULL,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  last_status     integer,
  last_error      text,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL
);

CREATE INDEX risk_level_deliveries_due ON risk_level_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE INDEX risk_level_deliveries_webhook ON risk_level_deliveries (webhook_id, seq DESC);
