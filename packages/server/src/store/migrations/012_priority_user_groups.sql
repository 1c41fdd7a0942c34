-- Priority user groups: users whose data (the user, their alerts and later their cases) only the
-- group's viewers may see. Viewers are IRM role groups or named console accounts (at least one a
-- group, checked by the commands). A member is a directory user. The name is unique whatever its
-- case and cannot be changed after creation. Deleting a group deletes its members and viewers;
-- alerts of its members stay.

CREATE TABLE priority_user_groups (
  id              uuid PRIMARY KEY,
  name            text NOT NULL,
  description     text,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

CREATE UNIQUE INDEX priority_user_groups_name ON priority_user_groups (lower(name));

CREATE TABLE priority_user_group_members (
  group_id        uuid NOT NULL REFERENCES priority_user_groups(id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES directory_users(id) ON DELETE CASCADE,
  added_at        timestamptz NOT NULL,
  PRIMARY KEY (group_id, user_id)
);

-- The visibility filter looks members up by user.
CREATE INDEX priority_user_group_members_user ON priority_user_group_members (user_id, group_id);

CREATE TABLE priority_user_group_viewers (
  group_id        uuid NOT NULL REFERENCES priority_user_groups(id) ON DELETE CASCADE,
  role_group      text,
  account_id      uuid REFERENCES accounts(id) ON DELETE CASCADE,
  CHECK ((role_group IS NULL) <> (account_id IS NULL))
);

CREATE UNIQUE INDEX priority_user_group_viewers_role ON priority_user_group_viewers (group_id, role_group)
  WHERE role_group IS NOT NULL;

CREATE UNIQUE INDEX priority_user_group_viewers_account ON priority_user_group_viewers (group_id, account_id)
  WHERE account_id IS NOT NULL;
