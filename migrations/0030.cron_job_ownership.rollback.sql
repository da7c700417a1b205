-- Undo 0030: forget which jobs the admin functions created (the functions in sql/cron/
-- are dropped before this runs).
ALTER TABLE pgcadence.cron_job_meta DROP COLUMN created_via;
