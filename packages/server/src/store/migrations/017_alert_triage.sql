-- Alert triage: what an analyst decided about an alert (confirmed, dismissed with a reason,
-- resolved with a resolution), the notes, when and by whom. The history of every decision is in
-- the audit log; these columns hold the latest one.

ALTER TABLE alerts ADD COLUMN dismissal_reason text;

ALTER TABLE alerts ADD COLUMN resolution text;

ALTER TABLE alerts ADD COLUMN triage_notes text;

ALTER TABLE alerts ADD COLUMN triaged_at timestamptz;

ALTER TABLE alerts ADD COLUMN triaged_by text;

-- Earlier threshold edits made from alerts, read per policy and indicator.
CREATE INDEX audit_entries_policy_tune ON audit_entries (target_id, at DESC) WHERE action = 'policy.tune';
