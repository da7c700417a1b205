-- Undo 0005: the job queue's tables (its jobs go with them), and profiles when this
-- migration created it. The queue's functions (sql/queue/) are dropped before this runs.

DROP TABLE public.job_queue_attempt_log;
DROP TABLE public.job_queue;
DROP TABLE pgcadence.job_queue_settings;

DO $$
BEGIN
    -- an older pgcadence recorded is_admin_user() here (now a source, dropped already)
    DELETE FROM pgcadence.created_objects WHERE kind = 'function' AND name = 'public.is_admin_user()';
    -- only the table this migration created (marked by its comment); a project's own stays
    IF obj_description('public.profiles'::regclass, 'pg_class') LIKE 'pgcadence:%' THEN
        DROP TABLE public.profiles;
    END IF;
END
$$;
