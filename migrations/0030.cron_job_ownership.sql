-- Cron management (docs/requirements.md, "Cron management"; docs/security.md, "Cron jobs"):
-- remember which jobs were created through the admin functions. Admins see and change
-- only those (and see pgcadence's standing jobs, read-only); every other job of the
-- cluster -- other databases', other software's, the DBA's own -- is not theirs.

ALTER TABLE pgcadence.cron_job_meta ADD COLUMN created_via text;
-- Jobs that exist already: a queue job that is not one of pgcadence's standing jobs was
-- made by create_cron_job; everything else was scheduled by the owner.
UPDATE pgcadence.cron_job_meta m
   SET created_via = CASE WHEN m.task_type IS NOT NULL
                           AND NOT EXISTS (SELECT 1 FROM pgcadence.source_objects o
                                            WHERE o.kind = 'cron job' AND o.identity = m.jobname)
                          THEN 'admin' ELSE 'dba' END;
ALTER TABLE pgcadence.cron_job_meta
    ALTER COLUMN created_via SET DEFAULT 'dba',
    ALTER COLUMN created_via SET NOT NULL,
    ADD CONSTRAINT cron_job_meta_created_via_check CHECK (created_via IN ('admin', 'dba'));
COMMENT ON COLUMN pgcadence.cron_job_meta.created_via IS
    'admin: created through create_cron_job (admins may see and change it); dba: scheduled by the owner (pgcadence.cron_schedule, the standing jobs).';

-- get_cron_jobs() gains the column managed_by (admin | pgcadence); a new OUT column
-- needs the old function dropped (sql/cron/admin.sql creates the new one in this run).
DROP FUNCTION IF EXISTS public.get_cron_jobs();
