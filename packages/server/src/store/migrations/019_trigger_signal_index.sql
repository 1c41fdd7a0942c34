-- Triggering signals of a user (HR events, directory departures, DLP and security alerts,
-- communication compliance matches, restricted and related-patient record access, unusual access
-- volume, risky website visits) found without reading the user's other activity. Partial: the
-- bulk of the signals (everyday activity, ordinary record views, detections) is not in it, so
-- uploads pay for it only on the rare rows it holds. The predicate is the scorer's
-- (TRIGGER_SIGNALS_SQL in commands/scoringData.ts) word for word.

CREATE INDEX signals_triggers ON signals (user_id, occurred_at) WHERE (kind IN ('hr.resignation', 'directory.account_deleted', 'directory.account_disabled', 'activity.security.dlpAlert', 'activity.security.defenseEvasion', 'activity.security.unwantedSoftware', 'hr.job_level_change', 'hr.performance_review', 'hr.performance_improvement_plan', 'activity.communication.complianceMatch', 'health.related_patient_access', 'health.unusual_volume', 'activity.browsing.riskyWebsite') OR (kind = 'health.record_access' AND attributes -> 'restricted' = 'true'::jsonb));
