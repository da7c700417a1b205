-- Cron management (docs/requirements.md, "Cron management"): the state behind it -- the parsed-expression
-- type, the job handler registry, what pgcadence knows about each managed job, the
-- history settings and indexes on cron.job_run_details. The functions (validation,
-- descriptions, time zones, the admin functions, cron_health) are in sql/cron/.
--
-- Depends on 0005 (public.profiles, public.is_admin_user(), public.job_queue_enqueue()).
--
-- Time zones, in one paragraph: a job with a time zone keeps its expression in
-- local wall-clock time. pg_cron is given the UTC minutes/hours that local time can
-- fall on under any of the zone's UTC offsets (e.g. 03:00 Los Angeles -> 10:00 and
-- 11:00 UTC), and its command is wrapped in pgcadence.cron_if_local(), which runs the
-- real command only when the current minute is the instant PostgreSQL itself assigns
-- to a matching local time ("<local> AT TIME ZONE tz"). So the job runs exactly once
-- per matching local time: a time skipped by the spring change runs one hour later
-- (02:30 -> 03:30 daylight time), a time repeated in the autumn runs once, at its
-- second (standard time) occurrence -- PostgreSQL's reading of such times.

-- ============================================================ types
CREATE TYPE pgcadence.cron_spec AS (
    minutes integer[],
    hours integer[],
    days integer[],
    months integer[],
    weekdays integer[],   -- 0 = Sunday .. 6 (7 is folded to 0)
    dom_star boolean,     -- day field starts with '*' (Vixie cron: then day AND weekday must match)
    dow_star boolean,     -- weekday field starts with '*'
    fields text[]         -- the five fields as written (lower case)
);
COMMENT ON TYPE pgcadence.cron_spec IS 'A parsed 5-field cron expression (see pgcadence.cron_parse).';

-- ============================================================ tables
-- Task types the queue worker can run; the runner registers its handlers on start.
CREATE TABLE public.job_handlers (
    task_type text PRIMARY KEY CHECK (task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'),
    description text NOT NULL DEFAULT '',
    registered_by text NOT NULL DEFAULT 'runner',
    registered_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.job_handlers IS
    'Task types with a registered queue handler (filled by the runner through register_job_handler()); create_cron_job() accepts only these.';
ALTER TABLE public.job_handlers ENABLE ROW LEVEL SECURITY;

-- What pgcadence knows about a cron job beyond cron.job: its time zone and local
-- expression, the command it really runs, and for queue jobs the task it enqueues.
-- Keyed by job name (pg_cron keeps the jobid of a name across cron.schedule upserts).
CREATE TABLE pgcadence.cron_job_meta (
    jobname text PRIMARY KEY,
    timezone text,                 -- IANA name; NULL = UTC (plain pg_cron)
    local_schedule text NOT NULL,  -- the expression as the admin wrote it (local time when timezone is set)
    inner_command text NOT NULL,   -- what runs when the job fires (cron.job.command may wrap it)
    task_type text,
    payload jsonb,
    max_attempts integer,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.cron_job_meta IS
    'Managed cron jobs: time zone, local schedule, the real command and the queue task; read through get_cron_jobs().';
ALTER TABLE pgcadence.cron_job_meta ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only

-- One row of settings for history hygiene.
CREATE TABLE pgcadence.cron_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    history_retention interval NOT NULL DEFAULT '7 days' CHECK (history_retention >= interval '1 hour'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.cron_settings IS
    'Cron management settings: history_retention (how long cron_history_cleanup keeps cron.job_run_details rows).';
INSERT INTO pgcadence.cron_settings DEFAULT VALUES;
ALTER TABLE pgcadence.cron_settings ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only

-- ============================================================ indexes
-- pg_cron 1.4 gives cron.job_run_details only its primary key (runid) and never prunes
-- it; "latest N runs", "last run of job X" and the cleanup all need start_time order.
-- Safe to add: pg_cron never refers to these indexes, an index on an extension table is
-- not an extension member (pg_dump keeps it, ALTER EXTENSION UPDATE leaves it alone;
-- were an upgrade to rebuild the table, the index would go with it, never block it --
-- cron_health() reports it missing). Skipped with a NOTICE where we do not own the table
-- (then cron_health() says so and how to add it).
DO $$
BEGIN
    IF pg_catalog.pg_has_role(current_user,
           (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = 'cron.job_run_details'::regclass), 'USAGE') THEN
        CREATE INDEX IF NOT EXISTS pgcadence_job_run_details_start_time_idx
            ON cron.job_run_details (start_time);
        CREATE INDEX IF NOT EXISTS pgcadence_job_run_details_jobid_start_time_idx
            ON cron.job_run_details (jobid, start_time);
    ELSE
        RAISE NOTICE 'pgcadence: not the owner of cron.job_run_details; history indexes not created (see cron_health())';
    END IF;
END
$$;
