-- The directory of monitored users, filled by CSV uploads and SCIM 2.0 provisioning: the user
-- attributes they bring, account state (active, disabled, deleted), SCIM metadata, and groups.
-- A user seen only in signals keeps its bare row (source IS NULL) until the directory brings it.

ALTER TABLE directory_users ADD COLUMN user_name text;

ALTER TABLE directory_users ADD COLUMN employee_type text;

ALTER TABLE directory_users ADD COLUMN office text;

ALTER TABLE directory_users ADD COLUMN employee_number text;

-- The manager as the identity provider named it (SCIM id or UPN); manager_upn is the resolved UPN.
ALTER TABLE directory_users ADD COLUMN manager_ref text;

ALTER TABLE directory_users ADD COLUMN active boolean NOT NULL DEFAULT true;

ALTER TABLE directory_users ADD COLUMN external_id text;

-- SCIM attributes OpenIRM does not map to columns (name, emails, addresses, extension fields …),
-- kept so the identity provider reads back what it wrote.
ALTER TABLE directory_users ADD COLUMN scim_attributes jsonb NOT NULL DEFAULT '{}'::jsonb;

-- 'scim' | 'csv': what last wrote the user; NULL: known only from signals.
ALTER TABLE directory_users ADD COLUMN source text;

ALTER TABLE directory_users ADD COLUMN provisioned_at timestamptz;

ALTER TABLE directory_users ADD COLUMN updated_at timestamptz;

ALTER TABLE directory_users ADD COLUMN disabled_at timestamptz;

ALTER TABLE directory_users ADD COLUMN deleted_at timestamptz;

CREATE INDEX directory_users_external_id ON directory_users (external_id) WHERE external_id IS NOT NULL;

CREATE INDEX directory_users_listed ON directory_users (created_at, id) WHERE source IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE directory_groups (
  id              uuid PRIMARY KEY,
  display_name    text NOT NULL,
  external_id     text,
  scim_attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

CREATE UNIQUE INDEX directory_groups_name ON directory_groups (lower(display_name));

CREATE TABLE directory_group_members (
  group_id        uuid NOT NULL REFERENCES directory_groups(id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES directory_users(id),
  added_at        timestamptz NOT NULL,
  PRIMARY KEY (group_id, user_id)
);

CREATE INDEX directory_group_members_user ON directory_group_members (user_id);
