-- Priority physical assets: the doors, readers and rooms (badging AssetId) whose access the
-- physical access indicator watches. asset_key is the ID trimmed and lower-cased, the form badge
-- events are matched by; the ID keeps the spelling it was added with.

CREATE TABLE priority_physical_assets (
  id              uuid PRIMARY KEY,
  asset_id        text NOT NULL,
  asset_key       text NOT NULL,
  name            text,
  added_by        text NOT NULL,
  created_at      timestamptz NOT NULL
);

CREATE UNIQUE INDEX priority_physical_assets_key ON priority_physical_assets (asset_key);
