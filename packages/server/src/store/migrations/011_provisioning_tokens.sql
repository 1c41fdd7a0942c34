-- Provisioning tokens: long-lived bearer tokens of an app registration that identity providers keeping
-- one fixed token (Okta, Entra ID's "Secret Token") send to /scim/v2. Only the SHA-256 of the token is
-- stored; the unique index on it is the lookup. A token is refused once revoked, after expires_at
-- (NULL: never expires) and while its app registration is disabled.

CREATE TABLE provisioning_tokens (
  id              uuid PRIMARY KEY,
  app_client_id   uuid NOT NULL REFERENCES app_registrations(client_id) ON DELETE CASCADE,
  name            text NOT NULL,
  token_hash      text NOT NULL UNIQUE,
  created_by      uuid REFERENCES accounts(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz,
  -- Written at most once a minute per token, not on every request.
  last_used_at    timestamptz,
  last_used_ip    text,
  revoked_at      timestamptz,
  revoked_by      uuid REFERENCES accounts(id) ON DELETE SET NULL
);

CREATE INDEX provisioning_tokens_app_idx ON provisioning_tokens (app_client_id, created_at);
