-- Cron management (seed 002, Phase 4): cron expression validation, plain-English
-- descriptions and next-run times in SQL; per-job IANA time zones on top of
-- pg_cron 1.4 (which runs UTC only); the admin-only SECURITY DEFINER functions the
-- admin UI / HTTP routes / CLI call; the job handler registry; run-history hygiene
-- (cleanup job, indexes on cron.job_run_details) and cron_health(); the seed's
-- standing jobs.
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
CREATE POLICY job_handlers_admin_read ON public.job_handlers
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
CREATE POLICY job_handlers_service ON public.job_handlers
    FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON public.job_handlers FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.job_handlers TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.job_handlers TO service_role;

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

-- ============================================================ functions: cron expressions
-- Expand one cron field into its sorted set of values; raise 22023 naming the field.
CREATE FUNCTION pgcadence.cron_field(field text, label text, lo integer, hi integer,
                                     names text[] DEFAULT NULL, name_base integer DEFAULT 0)
RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
    item text;
    m text[];
    parts text[];
    a integer;
    b integer;
    step integer;
    i integer;
    vals integer[] := '{}';
    shown text := pg_catalog.left(field, 40);
BEGIN
    FOREACH item IN ARRAY pg_catalog.string_to_array(field, ',') LOOP
        IF item = '' THEN
            RAISE EXCEPTION 'invalid % field "%": empty element in a list', label, shown USING ERRCODE = '22023';
        END IF;
        IF item ~ '[?#]' OR item ~ '^[0-9]*[lw]$' THEN
            RAISE EXCEPTION 'invalid % field "%": Quartz syntax (L, W, #, ?) is not cron; pg_cron 1.4 cannot run it',
                label, shown USING ERRCODE = '22023';
        END IF;
        m := pg_catalog.regexp_match(item, '^(\*|([0-9]+|[a-z]+)(-([0-9]+|[a-z]+))?)(/([0-9]+))?$');
        IF m IS NULL THEN
            RAISE EXCEPTION 'invalid % field "%": "%" is not a number, a range (a-b), * or a step (*/n, a-b/n)',
                label, shown, pg_catalog.left(item, 20) USING ERRCODE = '22023';
        END IF;
        IF m[1] = '*' THEN
            a := lo;
            b := CASE WHEN label = 'weekday' THEN 6 ELSE hi END;
        ELSE
            parts := ARRAY[m[2], m[4]];
            FOR i IN 1..2 LOOP
                CONTINUE WHEN parts[i] IS NULL;
                IF parts[i] ~ '^[0-9]+$' THEN
                    IF pg_catalog.length(parts[i]) > 4 OR parts[i]::integer NOT BETWEEN lo AND hi THEN
                        RAISE EXCEPTION 'invalid % field "%": % is out of range %-%', label, shown,
                            pg_catalog.left(parts[i], 12), lo, hi USING ERRCODE = '22023';
                    END IF;
                ELSIF names IS NULL OR pg_catalog.array_position(names, parts[i]) IS NULL THEN
                    RAISE EXCEPTION 'invalid % field "%": unknown name "%"%', label, shown, pg_catalog.left(parts[i], 12),
                        CASE WHEN names IS NULL THEN ' (only month and weekday accept names)'
                             ELSE ' (use ' || pg_catalog.array_to_string(names, ', ') || ')' END
                        USING ERRCODE = '22023';
                END IF;
            END LOOP;
            a := CASE WHEN m[2] ~ '^[0-9]+$' THEN m[2]::integer
                      ELSE pg_catalog.array_position(names, m[2]) - 1 + name_base END;
            b := CASE WHEN m[4] IS NULL THEN a
                      WHEN m[4] ~ '^[0-9]+$' THEN m[4]::integer
                      ELSE pg_catalog.array_position(names, m[4]) - 1 + name_base END;
            IF m[4] IS NULL AND m[6] IS NOT NULL THEN
                RAISE EXCEPTION 'invalid % field "%": a step needs a range or *: write %-%/% or */%', label, shown,
                    m[2], hi, m[6], m[6] USING ERRCODE = '22023';
            END IF;
            IF a > b THEN
                RAISE EXCEPTION 'invalid % field "%": range %-% runs backwards', label, shown, a, b USING ERRCODE = '22023';
            END IF;
        END IF;
        IF m[6] IS NOT NULL THEN
            IF pg_catalog.length(m[6]) > 4 OR m[6]::integer NOT BETWEEN 1 AND hi - lo + 1 THEN
                RAISE EXCEPTION 'invalid % field "%": step % must be between 1 and %', label, shown,
                    pg_catalog.left(m[6], 12), hi - lo + 1 USING ERRCODE = '22023';
            END IF;
            step := m[6]::integer;
        ELSE
            step := 1;
        END IF;
        vals := vals || ARRAY(SELECT pg_catalog.generate_series(a, b, step));
    END LOOP;
    IF label = 'weekday' THEN
        vals := ARRAY(SELECT CASE WHEN v = 7 THEN 0 ELSE v END FROM pg_catalog.unnest(vals) v);
    END IF;
    RETURN ARRAY(SELECT DISTINCT v FROM pg_catalog.unnest(vals) v ORDER BY v);
END
$$;

-- Does the day of ts match (Vixie cron rule: if either day field starts with '*' both must match, else either)?
CREATE FUNCTION pgcadence.cron_day_matches(spec pgcadence.cron_spec, ts timestamp)
RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT extract(month FROM ts)::integer = ANY (spec.months)
       AND CASE WHEN spec.dom_star OR spec.dow_star
                THEN extract(day FROM ts)::integer = ANY (spec.days) AND extract(dow FROM ts)::integer = ANY (spec.weekdays)
                ELSE extract(day FROM ts)::integer = ANY (spec.days) OR extract(dow FROM ts)::integer = ANY (spec.weekdays)
           END
$$;

-- Does the minute ts (a wall-clock time) match the expression?
CREATE FUNCTION pgcadence.cron_matches(spec pgcadence.cron_spec, ts timestamp)
RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT extract(minute FROM ts)::integer = ANY (spec.minutes)
       AND extract(hour FROM ts)::integer = ANY (spec.hours)
       AND pgcadence.cron_day_matches(spec, ts)
$$;

-- First matching minute strictly after "after" (wall-clock), within five years; NULL if none.
CREATE FUNCTION pgcadence.cron_next_naive(spec pgcadence.cron_spec, after timestamp)
RETURNS timestamp
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT pg_catalog.min(d.day + pg_catalog.make_interval(hours => h, mins => mi))
    FROM (SELECT g.day
          FROM pg_catalog.generate_series(pg_catalog.date_trunc('day', after),
                                          pg_catalog.date_trunc('day', after) + interval '1830 days',
                                          interval '1 day') AS g(day)
          WHERE pgcadence.cron_day_matches(spec, g.day)
          LIMIT 2) d,
         pg_catalog.unnest(spec.hours) h,
         pg_catalog.unnest(spec.minutes) mi
    WHERE d.day + pg_catalog.make_interval(hours => h, mins => mi) > after
$$;

-- Parse and validate a 5-field cron expression; raise 22023 with a message naming the
-- bad field, and reject what pg_cron 1.4 cannot run (seconds, 6 fields, $, macros).
CREATE FUNCTION pgcadence.cron_parse(schedule text, check_fires boolean DEFAULT true)
RETURNS pgcadence.cron_spec
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
    s text := pg_catalog.lower(pg_catalog.btrim(schedule, E' \t\r\n'));
    f text[];
    spec pgcadence.cron_spec;
    months text[] := ARRAY['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'];
    wdays text[] := ARRAY['sun','mon','tue','wed','thu','fri','sat'];
BEGIN
    IF s IS NULL OR s = '' THEN
        RAISE EXCEPTION 'cron schedule is required (5 fields: minute hour day month weekday)' USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.length(s) > 120 THEN
        RAISE EXCEPTION 'cron schedule is too long (% characters; at most 120)', pg_catalog.length(s) USING ERRCODE = '22023';
    END IF;
    IF s ~ '^[0-9]+\s*(s|sec|secs|second|seconds)$' THEN
        RAISE EXCEPTION 'cron schedule "%": seconds schedules need pg_cron 1.5 or newer; pg_cron 1.4 runs whole minutes only: use 5 fields such as "* * * * *"', s
            USING ERRCODE = '22023';
    END IF;
    IF s ~ '^@' THEN
        RAISE EXCEPTION 'cron schedule "%": macros are not accepted; write 5 fields (@hourly = "0 * * * *", @daily = "0 0 * * *", @weekly = "0 0 * * 0", @monthly = "0 0 1 * *"; @reboot has no equivalent)',
            pg_catalog.left(s, 20) USING ERRCODE = '22023';
    END IF;
    f := pg_catalog.regexp_split_to_array(s, '\s+');
    IF pg_catalog.strpos(s, '$') > 0 THEN
        RAISE EXCEPTION 'cron schedule "%": "$" (last day of the month) needs pg_cron 1.6; pg_cron 1.4 cannot run it', pg_catalog.left(s, 40)
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.cardinality(f) = 6 THEN
        RAISE EXCEPTION 'cron schedule "%" has 6 fields: a seconds field is not supported (pg_cron 1.4 runs whole minutes); use 5 fields: minute hour day month weekday', s
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.cardinality(f) <> 5 THEN
        RAISE EXCEPTION 'cron schedule "%" has % field(s); it needs 5: minute hour day month weekday', pg_catalog.left(s, 40),
            pg_catalog.cardinality(f) USING ERRCODE = '22023';
    END IF;
    spec.minutes  := pgcadence.cron_field(f[1], 'minute', 0, 59);
    spec.hours    := pgcadence.cron_field(f[2], 'hour', 0, 23);
    spec.days     := pgcadence.cron_field(f[3], 'day', 1, 31);
    spec.months   := pgcadence.cron_field(f[4], 'month', 1, 12, months, 1);
    spec.weekdays := pgcadence.cron_field(f[5], 'weekday', 0, 7, wdays, 0);
    spec.dom_star := f[3] LIKE '*%';
    spec.dow_star := f[5] LIKE '*%';
    spec.fields   := f;
    IF check_fires AND pgcadence.cron_next_naive(spec, '2000-01-01 00:00'::timestamp) IS NULL THEN
        RAISE EXCEPTION 'cron schedule "%" never fires: no date has day % in month %', s, f[3], f[4] USING ERRCODE = '22023';
    END IF;
    RETURN spec;
END
$$;

-- Canonical IANA name of a time zone, NULL for none/UTC; raise 22023 for anything else.
CREATE FUNCTION pgcadence.cron_timezone(tz text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
    canon text;
BEGIN
    IF tz IS NULL OR pg_catalog.btrim(tz) = '' OR pg_catalog.upper(pg_catalog.btrim(tz)) IN ('UTC', 'ETC/UTC', 'GMT', 'Z') THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.length(tz) <= 64 AND tz ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){1,2}$' THEN
        BEGIN
            PERFORM pg_catalog.now() AT TIME ZONE tz;
            canon := tz;
        EXCEPTION WHEN invalid_parameter_value THEN
            canon := NULL;
        END;
        IF canon IS NOT NULL AND canon !~ '^[A-Z][a-z]+(/([A-Z][A-Za-z]*|GMT[+-][0-9]+)(_[A-Za-z]+|-[A-Za-z]+)*){1,2}$' THEN
            -- unusual spelling (case): take the catalogue's (a slow scan, only here)
            SELECT n.name INTO canon FROM pg_catalog.pg_timezone_names n WHERE pg_catalog.lower(n.name) = pg_catalog.lower(tz)
            ORDER BY n.name = tz DESC LIMIT 1;
        END IF;
    END IF;
    IF canon IS NULL THEN
        RAISE EXCEPTION 'unknown time zone "%": use an IANA name such as America/Los_Angeles or Europe/Berlin (abbreviations like PST are ambiguous and have no DST rules)',
            pg_catalog.left(tz, 64) USING ERRCODE = '22023';
    END IF;
    RETURN canon;
END
$$;

-- NULL for none/UTC, else the name as stored (already validated by cron_timezone): the hot path.
CREATE FUNCTION pgcadence.cron_tz(tz text)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT CASE WHEN tz IS NULL OR pg_catalog.btrim(tz) = '' OR pg_catalog.upper(pg_catalog.btrim(tz)) IN ('UTC', 'ETC/UTC', 'GMT', 'Z')
                THEN NULL ELSE tz END
$$;

-- Render a set of values as a cron field: '*' when complete, runs as a-b.
CREATE FUNCTION pgcadence.cron_render_field(vals integer[], lo integer, hi integer)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT CASE WHEN (SELECT pg_catalog.count(DISTINCT v) FROM pg_catalog.unnest(vals) v WHERE v BETWEEN lo AND hi) = hi - lo + 1
                THEN '*'
                ELSE (SELECT pg_catalog.string_agg(CASE WHEN r.a = r.b THEN r.a::text ELSE r.a || '-' || r.b END, ',' ORDER BY r.a)
                      FROM (SELECT pg_catalog.min(v) a, pg_catalog.max(v) b
                            FROM (SELECT v, v - pg_catalog.row_number() OVER (ORDER BY v) AS grp
                                  FROM (SELECT DISTINCT v FROM pg_catalog.unnest(vals) v) x) y
                            GROUP BY grp) r)
           END
$$;

-- The UTC offsets a zone has had or will have around now (daily samples, -1 .. +3 years).
CREATE FUNCTION pgcadence.cron_zone_offsets(tz text)
RETURNS SETOF interval
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT DISTINCT (d AT TIME ZONE tz) - (d AT TIME ZONE 'UTC')
    FROM pg_catalog.generate_series(pg_catalog.now() - interval '1 year', pg_catalog.now() + interval '3 years',
                                    interval '1 day') d
$$;

-- The schedule pg_cron gets for a local-time expression: every UTC minute/hour the local
-- time can fall on under any of the zone's offsets (weekdays widened by one day each way).
CREATE FUNCTION pgcadence.cron_utc_schedule(schedule text, timezone text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
    spec pgcadence.cron_spec := pgcadence.cron_parse(schedule);
    tz text := pgcadence.cron_tz(timezone);
    utc_minutes integer[];
    utc_hours integer[];
    offs integer[];
    dow text := '*';
BEGIN
    IF tz IS NULL THEN
        RETURN pg_catalog.array_to_string(spec.fields, ' ');
    END IF;
    offs := ARRAY(SELECT (extract(epoch FROM o) / 60)::integer FROM pgcadence.cron_zone_offsets(tz) o);
    SELECT ARRAY(SELECT DISTINCT ((h * 60 + mi - o) % 1440 + 1440) % 1440 / 60
                 FROM pg_catalog.unnest(spec.hours) h, pg_catalog.unnest(spec.minutes) mi, pg_catalog.unnest(offs) o),
           ARRAY(SELECT DISTINCT ((h * 60 + mi - o) % 1440 + 1440) % 60
                 FROM pg_catalog.unnest(spec.hours) h, pg_catalog.unnest(spec.minutes) mi, pg_catalog.unnest(offs) o)
      INTO utc_hours, utc_minutes;
    IF spec.fields[3] = '*' AND NOT spec.dow_star THEN
        dow := pgcadence.cron_render_field(
                   ARRAY(SELECT DISTINCT (w + k + 7) % 7 FROM pg_catalog.unnest(spec.weekdays) w, pg_catalog.unnest(ARRAY[-1, 0, 1]) k),
                   0, 6);
    END IF;
    RETURN pg_catalog.concat_ws(' ', pgcadence.cron_render_field(utc_minutes, 0, 59),
                                pgcadence.cron_render_field(utc_hours, 0, 23), '*', '*', dow);
END
$$;

-- Is "at" (truncated to the minute) the instant a matching local time of the zone maps
-- to ("<local> AT TIME ZONE tz")? The time-zone guard of every time-zoned job.
CREATE FUNCTION pgcadence.cron_local_due_spec(spec pgcadence.cron_spec, timezone text, at_time timestamptz)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT EXISTS (
        SELECT 1
        FROM (SELECT DISTINCT (s AT TIME ZONE timezone) - (s AT TIME ZONE 'UTC') AS o
              FROM pg_catalog.unnest(ARRAY[pg_catalog.date_trunc('minute', at_time) - interval '1 day',
                                           pg_catalog.date_trunc('minute', at_time),
                                           pg_catalog.date_trunc('minute', at_time) + interval '1 day']) s) offs,
             LATERAL (SELECT (pg_catalog.date_trunc('minute', at_time) AT TIME ZONE 'UTC') + offs.o AS wall) w
        WHERE pgcadence.cron_matches(spec, w.wall)
          AND (w.wall AT TIME ZONE timezone) = pg_catalog.date_trunc('minute', at_time))
$$;

-- Text form of the guard, with a simulated instant for tests (default: now).
CREATE FUNCTION pgcadence.cron_local_due(schedule text, timezone text, at_time timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT CASE WHEN pgcadence.cron_tz(timezone) IS NULL
                THEN pgcadence.cron_matches(pgcadence.cron_parse(schedule, false),
                                            pg_catalog.date_trunc('minute', at_time) AT TIME ZONE 'UTC')
                ELSE pgcadence.cron_local_due_spec(pgcadence.cron_parse(schedule, false), timezone, at_time)
           END
$$;
COMMENT ON FUNCTION pgcadence.cron_local_due(text, text, timestamptz) IS
    'True when the minute of at_time is when a job with this local schedule and time zone fires (PostgreSQL''s reading of local times across DST changes).';

-- The command pg_cron runs for a time-zoned job: run "command" only when due in local time.
-- Not SECURITY DEFINER and no pinned search_path: the command runs exactly as pg_cron would run it.
CREATE FUNCTION pgcadence.cron_if_local(schedule text, timezone text, command text, at_time timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF pgcadence.cron_local_due(schedule, timezone, at_time) THEN
        EXECUTE command;
        RETURN 'ran';
    END IF;
    RETURN 'not due in ' || timezone;
END
$$;

-- Next time the job fires after "after" (UTC instant); NULL if never (within five years).
CREATE FUNCTION pgcadence.cron_next_run(schedule text, timezone text DEFAULT NULL, after timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
    spec pgcadence.cron_spec := pgcadence.cron_parse(schedule);
    tz text := pgcadence.cron_tz(timezone);
    utc pgcadence.cron_spec;
    cur timestamp;
BEGIN
    IF tz IS NULL THEN
        RETURN pgcadence.cron_next_naive(spec, after AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    END IF;
    utc := pgcadence.cron_parse(pgcadence.cron_utc_schedule(schedule, tz), false);
    cur := pg_catalog.date_trunc('minute', after AT TIME ZONE 'UTC');
    FOR i IN 1..5000 LOOP
        cur := pgcadence.cron_next_naive(utc, cur);
        EXIT WHEN cur IS NULL;
        IF pgcadence.cron_local_due_spec(spec, tz, cur AT TIME ZONE 'UTC') THEN
            RETURN cur AT TIME ZONE 'UTC';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- English list: "a", "a and b", "a, b and c".
CREATE FUNCTION pgcadence.cron_en_list(items text[])
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT CASE WHEN pg_catalog.cardinality(items) <= 1 THEN items[1]
                ELSE pg_catalog.array_to_string(items[1:pg_catalog.cardinality(items) - 1], ', ')
                     || ' and ' || items[pg_catalog.cardinality(items)] END
$$;

-- Plain English for a parsed expression (see describe_cron_schedule).
CREATE FUNCTION pgcadence.cron_describe_spec(spec pgcadence.cron_spec)
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
    mi text := spec.fields[1];
    hr text := spec.fields[2];
    dom text := spec.fields[3];
    mon text := spec.fields[4];
    dow text := spec.fields[5];
    day_names text[] := ARRAY['Sunday','Monday','Tuesday','Wednesday','Thursday','Friday','Saturday'];
    month_names text[] := ARRAY['January','February','March','April','May','June','July','August',
                                'September','October','November','December'];
    times text[];
    time_part text;
    day_part text := '';
    dom_part text;
    dow_part text;
    month_part text := '';
    at_times boolean := false;
    n integer;
BEGIN
    -- time of day
    IF pg_catalog.cardinality(spec.minutes) * pg_catalog.cardinality(spec.hours) <= 4 AND hr <> '*' THEN
        times := ARRAY(SELECT pg_catalog.lpad(h::text, 2, '0') || ':' || pg_catalog.lpad(m::text, 2, '0')
                       FROM pg_catalog.unnest(spec.hours) h, pg_catalog.unnest(spec.minutes) m ORDER BY h, m);
        time_part := 'at ' || pgcadence.cron_en_list(times);
        at_times := true;
    ELSIF mi = '*' AND hr = '*' THEN
        time_part := 'every minute';
    ELSIF mi ~ '^\*/[0-9]+$' AND hr = '*' THEN
        n := pg_catalog.substr(mi, 3)::integer;
        time_part := CASE WHEN n = 1 THEN 'every minute' ELSE 'every ' || n || ' minutes' END;
    ELSIF mi ~ '^[0-9]+$' AND hr = '*' THEN
        time_part := 'hourly at minute ' || mi::integer;
    ELSIF mi ~ '^[0-9]+$' AND hr ~ '^\*/[0-9]+$' THEN
        n := pg_catalog.substr(hr, 3)::integer;
        time_part := CASE WHEN n = 1 THEN 'hourly' ELSE 'every ' || n || ' hours' END
                     || CASE WHEN mi::integer = 0 AND n > 1 THEN '' ELSE ' at minute ' || mi::integer END;
    ELSE
        time_part := CASE
                WHEN mi = '*' THEN 'every minute'
                WHEN mi ~ '^\*/[0-9]+$' THEN 'every ' || pg_catalog.substr(mi, 3)::integer || ' minutes'
                ELSE 'at minute' || CASE WHEN pg_catalog.cardinality(spec.minutes) > 1 THEN 's ' ELSE ' ' END
                     || pgcadence.cron_en_list(spec.minutes::text[]) END
            || CASE
                WHEN hr = '*' THEN CASE WHEN mi ~ '^\*' THEN '' ELSE ' past every hour' END
                WHEN hr ~ '^\*/[0-9]+$' THEN ' of every ' || pg_catalog.substr(hr, 3)::integer || ' hours'
                WHEN hr ~ '^[0-9]+-[0-9]+$' THEN ' between ' || pg_catalog.lpad(spec.hours[1]::text, 2, '0') || ':00 and '
                     || pg_catalog.lpad(spec.hours[pg_catalog.cardinality(spec.hours)]::text, 2, '0') || ':59'
                ELSE ' during hour' || CASE WHEN pg_catalog.cardinality(spec.hours) > 1 THEN 's ' ELSE ' ' END
                     || pgcadence.cron_en_list(spec.hours::text[]) END;
    END IF;

    -- days
    IF dow <> '*' THEN
        dow_part := CASE
            WHEN spec.weekdays = ARRAY[1,2,3,4,5] THEN 'weekday'
            WHEN spec.weekdays = ARRAY[0,6] THEN 'weekend day'
            ELSE pgcadence.cron_en_list(ARRAY(SELECT day_names[w + 1] FROM pg_catalog.unnest(spec.weekdays) w))
        END;
    END IF;
    IF dom <> '*' THEN
        dom_part := CASE WHEN dom ~ '^\*/[0-9]+$' THEN 'every ' || pg_catalog.substr(dom, 3)::integer || ' days'
                         ELSE 'day' || CASE WHEN pg_catalog.cardinality(spec.days) > 1 THEN 's ' ELSE ' ' END
                              || pgcadence.cron_en_list(spec.days::text[]) || ' of the month' END;
    END IF;
    IF mon <> '*' THEN
        month_part := ' in ' || pgcadence.cron_en_list(ARRAY(SELECT month_names[x] FROM pg_catalog.unnest(spec.months) x));
    END IF;

    -- the common shapes first
    IF at_times AND dom = '*' AND dow = '*' AND mon = '*' THEN
        RETURN 'Daily ' || time_part;
    ELSIF at_times AND dom = '*' AND dow <> '*' AND mon = '*' THEN
        RETURN 'Every ' || dow_part || ' ' || time_part;
    ELSIF at_times AND dom ~ '^[0-9]+$' AND dow = '*' AND mon = '*' THEN
        RETURN 'Monthly on day ' || dom::integer || ' ' || time_part;
    ELSIF at_times AND dom ~ '^[0-9]+$' AND dow = '*' AND pg_catalog.cardinality(spec.months) = 1 THEN
        RETURN 'Yearly on ' || dom::integer || ' ' || month_names[spec.months[1]] || ' ' || time_part;
    END IF;

    IF dom_part IS NOT NULL AND dow_part IS NOT NULL THEN
        day_part := CASE WHEN spec.dom_star OR spec.dow_star
                         THEN ' on ' || dom_part || ' when it is a ' || dow_part
                         ELSE ' on ' || dom_part || ' and on every ' || dow_part END;
    ELSIF dom_part IS NOT NULL THEN
        day_part := CASE WHEN dom_part LIKE 'every%' THEN ' ' ELSE ' on ' END || dom_part;
    ELSIF dow_part IS NOT NULL THEN
        day_part := ' on every ' || dow_part;
    END IF;
    RETURN pg_catalog.upper(pg_catalog.left(time_part, 1)) || pg_catalog.substr(time_part, 2) || day_part || month_part;
END
$$;

-- describe_cron_schedule / next run that never raise: for jobs scheduled outside pgcadence.
CREATE FUNCTION pgcadence.cron_describe_safe(schedule text, timezone text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
    RETURN pgcadence.cron_describe_spec(pgcadence.cron_parse(schedule))
           || CASE WHEN timezone IS NULL THEN '' ELSE ' (' || timezone || ')' END;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 'pg_cron schedule "' || schedule || '"';
END
$$;

CREATE FUNCTION pgcadence.cron_next_run_safe(schedule text, timezone text, after timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
    RETURN pgcadence.cron_next_run(schedule, timezone, after);
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN NULL;
END
$$;

-- ============================================================ functions: access
-- Raise 42501 unless the caller may manage cron jobs: an admin (profiles.role = 'admin'
-- for auth.uid()), service_role, or the role that owns these functions (the DBA in psql).
-- Inside SECURITY DEFINER current_user is the owner; the caller comes from SET ROLE
-- (as PostgREST does) or else the login role.
CREATE FUNCTION pgcadence.cron_require_admin(fn text)
RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF caller NOT IN ('anon', 'authenticated')
       AND (pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR pg_catalog.pg_has_role(caller, current_user, 'MEMBER')) THEN
        RETURN;
    END IF;
    IF caller <> 'anon' AND public.is_admin_user() THEN
        RETURN;
    END IF;
    RAISE EXCEPTION '%: permission denied: only an admin (profiles.role = ''admin''), service_role or the database owner may manage cron jobs', fn
        USING ERRCODE = '42501';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_require_admin(text) FROM PUBLIC;

-- Who is calling, for the history of manual runs.
CREATE FUNCTION pgcadence.cron_caller()
RETURNS text
LANGUAGE sql STABLE SET search_path = '' AS $$
    SELECT CASE WHEN auth.uid() IS NOT NULL THEN 'user ' || auth.uid()::text
                ELSE 'role ' || CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user::text
                                     ELSE pg_catalog.current_setting('role') END END
$$;

-- Job name rule: ^[a-z][a-z0-9_]{2,62}$.
CREATE FUNCTION pgcadence.cron_check_name(job_name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
BEGIN
    IF job_name IS NULL OR job_name = '' THEN
        RAISE EXCEPTION 'job_name is required' USING ERRCODE = '22023';
    END IF;
    IF job_name !~ '^[a-z][a-z0-9_]{2,62}$' THEN
        RAISE EXCEPTION 'invalid job_name "%": use 3-63 characters, lower-case letters, digits and _, starting with a letter',
            pg_catalog.left(job_name, 64) USING ERRCODE = '22023';
    END IF;
END
$$;

-- The cron.job row of a name, or raise P0002.
CREATE FUNCTION pgcadence.cron_find_job(job_name text)
RETURNS cron.job
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
    j cron.job;
BEGIN
    IF job_name IS NULL OR job_name = '' THEN
        RAISE EXCEPTION 'job_name is required' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO j FROM cron.job c WHERE c.jobname = job_name ORDER BY c.jobid LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no cron job named "%"', pg_catalog.left(job_name, 64) USING ERRCODE = 'P0002';
    END IF;
    RETURN j;
END
$$;

-- ============================================================ functions: scheduling core
-- Schedule (or replace) a job running "command" on "schedule" in "timezone" (NULL = UTC).
-- The one call for SQL-command jobs in local time, e.g. seed 003's "03:00 PT":
--   SELECT pgcadence.cron_schedule('scheduled_ingest_daily', '0 3 * * *',
--          $$SELECT call_scheduled_ingest('mixed_daily', 30, 'cron')$$, 'America/Los_Angeles');
-- Owner-only (it schedules arbitrary SQL); admins use create_cron_job().
CREATE FUNCTION pgcadence.cron_schedule(job_name text, schedule text, command text, timezone text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    tz text := pgcadence.cron_timezone(timezone);
    spec pgcadence.cron_spec := pgcadence.cron_parse(schedule);
    local_text text := pg_catalog.array_to_string(spec.fields, ' ');
    jid bigint;
BEGIN
    PERFORM pgcadence.cron_check_name(job_name);
    IF command IS NULL OR pg_catalog.btrim(command) = '' THEN
        RAISE EXCEPTION 'command is required' USING ERRCODE = '22023';
    END IF;
    jid := cron.schedule(job_name, pgcadence.cron_utc_schedule(local_text, tz),
                         CASE WHEN tz IS NULL THEN command
                              ELSE pg_catalog.format('SELECT pgcadence.cron_if_local(%L, %L, %L)', local_text, tz, command) END);
    INSERT INTO pgcadence.cron_job_meta AS m (jobname, timezone, local_schedule, inner_command, created_by)
    VALUES (job_name, tz, local_text, command, pgcadence.cron_caller())
    ON CONFLICT (jobname) DO UPDATE
        SET timezone = EXCLUDED.timezone, local_schedule = EXCLUDED.local_schedule,
            inner_command = EXCLUDED.inner_command, task_type = NULL, payload = NULL, max_attempts = NULL,
            updated_at = pg_catalog.now();
    RETURN jid;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_schedule(text, text, text, text) FROM PUBLIC;
COMMENT ON FUNCTION pgcadence.cron_schedule(text, text, text, text) IS
    'Schedule or replace a SQL-command job; timezone (IANA) makes the schedule local wall-clock time, DST-safe. Returns the jobid.';

-- The SQL a queue job's cron command runs: enqueue the task, every value a literal.
CREATE FUNCTION pgcadence.cron_enqueue_command(task_type text, payload jsonb, max_attempts integer)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    SELECT pg_catalog.format('SELECT public.job_queue_enqueue(task_type => %L, payload => %L::jsonb, max_attempts => %L::integer)',
                             task_type, payload::text, max_attempts)
$$;

-- Schedule a queue job (validated); shared by create_cron_job and the standing jobs.
CREATE FUNCTION pgcadence.cron_schedule_task(job_name text, schedule text, task_type text, payload jsonb,
                                             max_attempts integer, timezone text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    jid bigint;
BEGIN
    IF task_type IS NULL OR task_type = '' THEN
        RAISE EXCEPTION 'task_type is required' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.job_handlers h WHERE h.task_type = cron_schedule_task.task_type) THEN
        RAISE EXCEPTION 'unknown task_type "%": registered handlers are %', pg_catalog.left(task_type, 64),
            coalesce((SELECT pg_catalog.string_agg(h.task_type, ', ' ORDER BY h.task_type) FROM public.job_handlers h), '(none)')
            USING ERRCODE = '22023', HINT = 'The queue worker registers its handlers when it starts (register_job_handler).';
    END IF;
    IF payload IS NULL OR pg_catalog.jsonb_typeof(payload) <> 'object' THEN
        RAISE EXCEPTION 'payload must be a JSON object, got %', coalesce(pg_catalog.jsonb_typeof(payload), 'null')
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.octet_length(payload::text) > 8192 THEN
        RAISE EXCEPTION 'payload is % bytes; a cron job''s payload is written into its command and may be at most 8192 bytes',
            pg_catalog.octet_length(payload::text) USING ERRCODE = '22023';
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'max_attempts must be between 1 and 100 (got %)', coalesce(max_attempts::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    jid := pgcadence.cron_schedule(job_name, schedule, pgcadence.cron_enqueue_command(task_type, payload, max_attempts), timezone);
    UPDATE pgcadence.cron_job_meta m
       SET task_type = cron_schedule_task.task_type, payload = cron_schedule_task.payload,
           max_attempts = cron_schedule_task.max_attempts
     WHERE m.jobname = job_name;
    RETURN jid;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_schedule_task(text, text, text, jsonb, integer, text) FROM PUBLIC;

-- Unschedule a job and forget its metadata.
CREATE FUNCTION pgcadence.cron_unschedule(job_name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    j cron.job := pgcadence.cron_find_job(job_name);
BEGIN
    PERFORM cron.unschedule(j.jobid);
    DELETE FROM pgcadence.cron_job_meta m WHERE m.jobname = job_name;
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_unschedule(text) FROM PUBLIC;

-- ============================================================ functions: public API (seed 002 Phase 4)
-- Plain English for a cron expression, e.g. '0 3 * * *' -> 'Daily at 03:00'.
CREATE FUNCTION public.describe_cron_schedule(schedule text, timezone text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    tz text := pgcadence.cron_timezone(timezone);
BEGIN
    PERFORM pgcadence.cron_require_admin('describe_cron_schedule');
    RETURN pgcadence.cron_describe_spec(pgcadence.cron_parse(schedule))
           || CASE WHEN tz IS NULL THEN '' ELSE ' (' || tz || ')' END;
END
$$;
COMMENT ON FUNCTION public.describe_cron_schedule(text, text) IS
    'Plain English for a 5-field cron expression ("0 * * * *" -> "Hourly at minute 0"); raises 22023 naming the bad field. Admin only.';

-- All cron jobs with description, time zone, last run, next run and recent failures.
CREATE FUNCTION public.get_cron_jobs()
RETURNS TABLE (
    jobid bigint, jobname text, schedule text, command text, database text, username text, active boolean,
    timezone text, cron_schedule text, description text, task_type text, payload jsonb, max_attempts integer,
    last_run_status text, last_run_started_at timestamptz, last_run_finished_at timestamptz,
    next_run_at timestamptz, recent_failures bigint
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('get_cron_jobs');
    RETURN QUERY
    SELECT j.jobid, j.jobname::text, coalesce(m.local_schedule, j.schedule)::text, j.command::text,
           j.database::text, j.username::text, j.active,
           m.timezone, j.schedule::text,
           pgcadence.cron_describe_safe(coalesce(m.local_schedule, j.schedule), m.timezone),
           m.task_type, m.payload, m.max_attempts,
           lr.status, lr.start_time, lr.end_time,
           CASE WHEN j.active THEN pgcadence.cron_next_run_safe(coalesce(m.local_schedule, j.schedule), m.timezone) END,
           (SELECT pg_catalog.count(*) FROM cron.job_run_details d
             WHERE d.jobid = j.jobid AND d.start_time > pg_catalog.now() - interval '24 hours' AND d.status = 'failed')
    FROM cron.job j
    LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
    LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.end_time FROM cron.job_run_details d
                       WHERE d.jobid = j.jobid ORDER BY d.start_time DESC LIMIT 1) lr ON true
    ORDER BY j.jobname, j.jobid;
END
$$;
COMMENT ON FUNCTION public.get_cron_jobs() IS
    'Every cron job: schedule (local when timezone is set), command, active, plain-English description, last run, next run (UTC), failures in the last 24 h. Admin only.';

-- Latest runs from cron.job_run_details with job names; optionally one job only.
CREATE FUNCTION public.get_cron_job_runs(limit_count integer DEFAULT 50, job_name text DEFAULT NULL)
RETURNS TABLE (
    runid bigint, jobid bigint, jobname text, status text, return_message text,
    start_time timestamptz, end_time timestamptz, duration_ms numeric, job_pid integer
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    jid bigint;
BEGIN
    PERFORM pgcadence.cron_require_admin('get_cron_job_runs');
    IF limit_count IS NULL OR limit_count NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'limit_count must be between 1 and 1000 (got %)', coalesce(limit_count::text, 'null')
            USING ERRCODE = '22023';
    END IF;
    IF job_name IS NOT NULL THEN
        jid := (pgcadence.cron_find_job(job_name)).jobid;
        RETURN QUERY
        SELECT d.runid, d.jobid, job_name, d.status, d.return_message, d.start_time, d.end_time,
               round(extract(epoch FROM d.end_time - d.start_time) * 1000, 1), d.job_pid
        FROM cron.job_run_details d
        WHERE d.jobid = jid
        ORDER BY d.start_time DESC LIMIT limit_count;
    ELSE
        RETURN QUERY
        SELECT d.runid, d.jobid, j.jobname::text, d.status, d.return_message, d.start_time, d.end_time,
               round(extract(epoch FROM d.end_time - d.start_time) * 1000, 1), d.job_pid
        FROM (SELECT * FROM cron.job_run_details x ORDER BY x.start_time DESC LIMIT limit_count) d
        LEFT JOIN cron.job j ON j.jobid = d.jobid
        ORDER BY d.start_time DESC;
    END IF;
END
$$;
COMMENT ON FUNCTION public.get_cron_job_runs(integer, text) IS
    'Latest runs (default 50, at most 1000) from cron.job_run_details joined to job names; job_name limits to one job. Admin only.';

-- Enable or disable a job by name; returns the new state.
CREATE FUNCTION public.toggle_cron_job(job_name text, new_active boolean)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    j cron.job;
BEGIN
    PERFORM pgcadence.cron_require_admin('toggle_cron_job');
    IF new_active IS NULL THEN
        RAISE EXCEPTION 'new_active must be true or false' USING ERRCODE = '22023';
    END IF;
    j := pgcadence.cron_find_job(job_name);
    PERFORM cron.alter_job(job_id => j.jobid, active => new_active);
    RETURN new_active;
END
$$;
COMMENT ON FUNCTION public.toggle_cron_job(text, boolean) IS 'Enable (true) or disable (false) the cron job of that name. Admin only.';

-- Change a job's schedule (validated first); timezone NULL keeps the job's zone, 'UTC' clears it.
CREATE FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    j cron.job;
    m pgcadence.cron_job_meta;
    spec pgcadence.cron_spec;
    tz text;
    local_text text;
    inner_cmd text;
BEGIN
    PERFORM pgcadence.cron_require_admin('update_cron_schedule');
    j := pgcadence.cron_find_job(job_name);
    spec := pgcadence.cron_parse(new_schedule);
    local_text := pg_catalog.array_to_string(spec.fields, ' ');
    SELECT * INTO m FROM pgcadence.cron_job_meta x WHERE x.jobname = job_name;
    tz := CASE WHEN timezone IS NULL THEN m.timezone ELSE pgcadence.cron_timezone(timezone) END;
    inner_cmd := coalesce(m.inner_command, j.command);
    PERFORM cron.alter_job(job_id => j.jobid,
                           schedule => pgcadence.cron_utc_schedule(local_text, tz),
                           command => CASE WHEN tz IS NULL THEN inner_cmd
                                           ELSE pg_catalog.format('SELECT pgcadence.cron_if_local(%L, %L, %L)', local_text, tz, inner_cmd) END);
    IF m.jobname IS NOT NULL OR tz IS NOT NULL THEN
        INSERT INTO pgcadence.cron_job_meta AS x (jobname, timezone, local_schedule, inner_command, created_by)
        VALUES (job_name, tz, local_text, inner_cmd, pgcadence.cron_caller())
        ON CONFLICT (jobname) DO UPDATE
            SET timezone = EXCLUDED.timezone, local_schedule = EXCLUDED.local_schedule, updated_at = pg_catalog.now();
    END IF;
    RETURN pgcadence.cron_describe_spec(spec) || CASE WHEN tz IS NULL THEN '' ELSE ' (' || tz || ')' END;
END
$$;
COMMENT ON FUNCTION public.update_cron_schedule(text, text, text) IS
    'Validate and set a job''s cron expression; timezone: IANA name for local time, ''UTC'' for none, NULL keeps the current one. Returns the plain-English schedule. Admin only.';

-- Create a job that enqueues task_type into job_queue on schedule; returns its jobid.
CREATE FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text,
                                       task_payload jsonb DEFAULT '{}', max_attempts integer DEFAULT 3,
                                       timezone text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('create_cron_job');
    PERFORM pgcadence.cron_check_name(job_name);
    IF EXISTS (SELECT 1 FROM cron.job j WHERE j.jobname = job_name) THEN
        RAISE EXCEPTION 'a cron job named "%" already exists', job_name USING ERRCODE = '23505';
    END IF;
    PERFORM pgcadence.cron_parse(job_schedule);
    RETURN pgcadence.cron_schedule_task(job_name, job_schedule, task_type, coalesce(task_payload, '{}'),
                                        max_attempts, timezone);
END
$$;
COMMENT ON FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text) IS
    'Create a cron job that enqueues task_type (a registered handler) with task_payload (a JSON object) and max_attempts into job_queue; optional IANA timezone. Returns the jobid. Admin only.';

-- Delete a job by name (pgcadence's own pgcadence_* jobs are refused: pause them instead).
CREATE FUNCTION public.delete_cron_job(job_name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    j cron.job;
BEGIN
    PERFORM pgcadence.cron_require_admin('delete_cron_job');
    j := pgcadence.cron_find_job(job_name);
    IF j.jobname LIKE 'pgcadence\_%' THEN
        RAISE EXCEPTION '"%" belongs to pgcadence itself and cannot be deleted; disable it with toggle_cron_job', j.jobname
            USING ERRCODE = '42501';
    END IF;
    RETURN pgcadence.cron_unschedule(job_name);
END
$$;
COMMENT ON FUNCTION public.delete_cron_job(text) IS 'Unschedule the cron job of that name. Admin only.';

-- Run a job's command once, now, and record the run in cron.job_run_details.
CREATE FUNCTION public.run_cron_job_now(job_name text)
RETURNS TABLE (runid bigint, status text, return_message text, start_time timestamptz, end_time timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    j cron.job;
    cmd text;
    rid bigint;
    started timestamptz := pg_catalog.clock_timestamp();
    st text := 'succeeded';
    msg text;
    n bigint;
    default_path text;
BEGIN
    PERFORM pgcadence.cron_require_admin('run_cron_job_now');
    j := pgcadence.cron_find_job(job_name);
    IF j.database <> pg_catalog.current_database() THEN
        RAISE EXCEPTION 'job "%" runs in database "%"; run it from there', j.jobname, j.database USING ERRCODE = '0A000';
    END IF;
    IF j.username <> current_user THEN
        -- running another role's command with this owner's rights would escalate it
        RAISE EXCEPTION 'job "%" runs as role "%"; run_cron_job_now only runs jobs owned by "%"', j.jobname, j.username, current_user
            USING ERRCODE = '42501';
    END IF;
    SELECT m.inner_command INTO cmd FROM pgcadence.cron_job_meta m WHERE m.jobname = j.jobname;
    cmd := coalesce(cmd, j.command);
    SELECT s.reset_val INTO default_path FROM pg_catalog.pg_settings s WHERE s.name = 'search_path';
    BEGIN
        PERFORM pg_catalog.set_config('search_path', default_path, true);  -- as pg_cron would run it
        EXECUTE cmd;
        GET DIAGNOSTICS n = ROW_COUNT;
        msg := 'manual run by ' || pgcadence.cron_caller() || ': ' || n || ' row(s)';
    EXCEPTION WHEN OTHERS THEN
        st := 'failed';
        msg := 'manual run by ' || pgcadence.cron_caller() || ': ERROR: ' || SQLERRM;
    END;
    rid := pg_catalog.nextval('cron.runid_seq');
    INSERT INTO cron.job_run_details AS d (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
    VALUES (j.jobid, rid, pg_catalog.pg_backend_pid(), j.database, j.username, cmd, st, msg, started, pg_catalog.clock_timestamp());
    RETURN QUERY SELECT d.runid, d.status, d.return_message, d.start_time, d.end_time FROM cron.job_run_details d WHERE d.runid = rid;
END
$$;
COMMENT ON FUNCTION public.run_cron_job_now(text) IS
    'Run the job''s command once now (ignoring schedule, time zone and active flag), in this transaction, and record it in cron.job_run_details ("manual run by ..."). Admin only.';

-- The registered task types (the create dialog's dropdown).
CREATE FUNCTION public.list_job_handlers()
RETURNS TABLE (task_type text, description text, registered_by text, registered_at timestamptz, last_seen_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('list_job_handlers');
    RETURN QUERY SELECT h.task_type, h.description, h.registered_by, h.registered_at, h.last_seen_at
                 FROM public.job_handlers h ORDER BY h.task_type;
END
$$;
COMMENT ON FUNCTION public.list_job_handlers() IS 'Task types create_cron_job accepts (registered queue handlers). Admin only.';

-- Register (or refresh) a queue handler's task type; the runner calls it on start.
CREATE FUNCTION public.register_job_handler(task_type text, description text DEFAULT '')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF caller IN ('anon', 'authenticated')
       OR NOT (pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR pg_catalog.pg_has_role(caller, current_user, 'MEMBER')) THEN
        RAISE EXCEPTION 'register_job_handler: permission denied: only service_role or the database owner (the runner) may register handlers'
            USING ERRCODE = '42501';
    END IF;
    IF task_type IS NULL OR task_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' THEN
        RAISE EXCEPTION 'invalid task_type "%" (letters, digits, _ . : - ; at most 100 characters)', pg_catalog.left(task_type, 120)
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO public.job_handlers AS h (task_type, description, registered_by)
    VALUES (task_type, coalesce(description, ''), caller)
    ON CONFLICT ON CONSTRAINT job_handlers_pkey DO UPDATE
        SET description = CASE WHEN EXCLUDED.description = '' THEN h.description ELSE EXCLUDED.description END,
            registered_by = EXCLUDED.registered_by, last_seen_at = pg_catalog.now();
END
$$;
COMMENT ON FUNCTION public.register_job_handler(text, text) IS
    'Record that the queue worker handles task_type (called by the runner at start). service_role or owner only.';

-- Delete run history older than "keep" (default: the configured retention, 7 days).
CREATE FUNCTION public.cron_history_cleanup(keep interval DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    n bigint;
    cutoff timestamptz;
BEGIN
    PERFORM pgcadence.cron_require_admin('cron_history_cleanup');
    keep := coalesce(keep, (SELECT s.history_retention FROM pgcadence.cron_settings s));
    IF keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', keep USING ERRCODE = '22023';
    END IF;
    cutoff := pg_catalog.now() - keep;
    DELETE FROM cron.job_run_details d WHERE d.start_time < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION public.cron_history_cleanup(interval) IS
    'Delete cron.job_run_details rows that started more than keep ago (default: set_cron_history_retention, 7 days). Returns the count. Admin only.';

-- Set how long cron_history_cleanup keeps run history.
CREATE FUNCTION public.set_cron_history_retention(keep interval)
RETURNS interval
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('set_cron_history_retention');
    IF keep IS NULL OR keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', coalesce(keep::text, 'null') USING ERRCODE = '22023';
    END IF;
    UPDATE pgcadence.cron_settings SET history_retention = keep, updated_at = pg_catalog.now();
    RETURN keep;
END
$$;
COMMENT ON FUNCTION public.set_cron_history_retention(interval) IS 'How long cron_history_cleanup keeps cron.job_run_details rows (default 7 days). Admin only.';

-- Seed 002's cron health and troubleshooting list, one row per check (level ok/warn/fail).
CREATE FUNCTION public.cron_health()
RETURNS TABLE (check_name text, level text, detail text, data jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    d jsonb;
    n bigint;
    oldest timestamptz;
BEGIN
    PERFORM pgcadence.cron_require_admin('cron_health');

    -- active jobs whose latest run failed
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', x.jobname, 'at', x.start_time, 'message', pg_catalog.left(x.return_message, 200)) ORDER BY x.jobname)
      INTO d
      FROM (SELECT j.jobname, lr.start_time, lr.return_message, lr.status
              FROM cron.job j
              JOIN LATERAL (SELECT r.status, r.start_time, r.return_message FROM cron.job_run_details r
                             WHERE r.jobid = j.jobid ORDER BY r.start_time DESC LIMIT 1) lr ON true
             WHERE j.active) x
     WHERE x.status = 'failed';
    check_name := 'last run failed'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'fail' END;
    detail := CASE WHEN d IS NULL THEN 'no active job''s latest run failed'
                   ELSE pg_catalog.jsonb_array_length(d) || ' job(s): ' || (SELECT pg_catalog.string_agg(e ->> 'job', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- active jobs that have never run although they were due
    SELECT pg_catalog.jsonb_agg(j.jobname ORDER BY j.jobname) INTO d
      FROM cron.job j
     WHERE j.active AND NOT EXISTS (SELECT 1 FROM cron.job_run_details r WHERE r.jobid = j.jobid);
    check_name := 'never ran'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'every active job has run at least once'
                   ELSE pg_catalog.jsonb_array_length(d) || ' active job(s) without any run yet: '
                        || (SELECT pg_catalog.string_agg(e #>> '{}', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- runs longer than 10 minutes, still running or in the last 24 h, and runs that outlasted
    -- the time to the job's next scheduled start (overlap: pg_cron then skips or delays runs)
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', x.jobname, 'runid', x.runid, 'status', x.status,
               'started', x.start_time, 'seconds', x.secs, 'overlap', x.overlap) ORDER BY x.start_time DESC)
      INTO d
      FROM (SELECT j.jobname, r.runid, r.status, r.start_time,
                   round(extract(epoch FROM coalesce(r.end_time, pg_catalog.now()) - r.start_time))::bigint AS secs,
                   coalesce(pgcadence.cron_next_run_safe(coalesce(m.local_schedule, j.schedule), m.timezone, r.start_time)
                            < coalesce(r.end_time, pg_catalog.now()), false) AS overlap
              FROM cron.job_run_details r
              JOIN cron.job j ON j.jobid = r.jobid
              LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
             WHERE (r.start_time > pg_catalog.now() - interval '24 hours' OR r.status IN ('running', 'starting'))
               AND coalesce(r.end_time, pg_catalog.now()) - r.start_time > interval '59 seconds'
           ) x
     WHERE x.secs > 600 OR x.overlap
     LIMIT 50;
    check_name := 'long or overlapping runs'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'no run over 10 minutes or past its next start in the last 24 h'
                   ELSE pg_catalog.jsonb_array_length(d) || ' run(s) over 10 minutes or past the next scheduled start' END;
    RETURN NEXT;

    -- pg_net request backlog (real pg_net or the pgcadence shim)
    IF pg_catalog.to_regclass('net.http_request_queue') IS NOT NULL THEN
        EXECUTE 'SELECT count(*) FROM net.http_request_queue' INTO n;
        oldest := NULL;
        IF n > 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid = 'net.http_request_queue'::regclass AND a.attname = 'created' AND NOT a.attisdropped) THEN
            EXECUTE 'SELECT min(created) FROM net.http_request_queue' INTO oldest;
        END IF;
        check_name := 'net queue backlog';
        data := pg_catalog.jsonb_build_object('pending', n, 'oldest', oldest);
        level := CASE WHEN n > 1000 OR oldest < pg_catalog.now() - interval '5 minutes' THEN 'warn' ELSE 'ok' END;
        detail := n || ' request(s) queued' || CASE WHEN oldest IS NULL THEN '' ELSE ', oldest since ' || oldest::text END;
        RETURN NEXT;
    ELSE
        check_name := 'net queue backlog'; level := 'ok'; detail := 'no net schema (pg_net not installed)'; data := '{}';
        RETURN NEXT;
    END IF;

    -- pg_net responses in the last hour, by status
    IF pg_catalog.to_regclass('net._http_response') IS NOT NULL THEN
        EXECUTE $q$
            SELECT coalesce(jsonb_object_agg(k, c), '{}') FROM (
                SELECT CASE WHEN r.timed_out THEN 'timeout' WHEN r.status_code IS NULL THEN 'error'
                            ELSE r.status_code::text END AS k, count(*) AS c
                FROM net._http_response r WHERE r.created > now() - interval '1 hour' GROUP BY 1) s
        $q$ INTO d;
        check_name := 'net responses (last hour)'; data := d;
        level := CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.jsonb_object_keys(d) k WHERE k !~ '^[23]') THEN 'warn' ELSE 'ok' END;
        detail := CASE WHEN d = '{}' THEN 'none'
                       ELSE (SELECT pg_catalog.string_agg(k || ': ' || (d ->> k), ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(d) k) END;
        RETURN NEXT;
    END IF;

    -- history size, retention, and the indexes that keep get_cron_job_runs fast
    SELECT pg_catalog.jsonb_build_object(
               'bytes', pg_catalog.pg_total_relation_size('cron.job_run_details'),
               'rows_estimate', (SELECT c.reltuples::bigint FROM pg_catalog.pg_class c WHERE c.oid = 'cron.job_run_details'::regclass),
               'oldest', (SELECT r.start_time FROM cron.job_run_details r ORDER BY r.start_time LIMIT 1),
               'retention', (SELECT s.history_retention::text FROM pgcadence.cron_settings s),
               'indexes', (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class i
                           WHERE i.relname IN ('pgcadence_job_run_details_start_time_idx', 'pgcadence_job_run_details_jobid_start_time_idx')
                             AND i.relnamespace = 'cron'::regnamespace))
      INTO d;
    check_name := 'run history';
    data := d;
    level := CASE WHEN (d ->> 'indexes')::integer < 2 THEN 'warn'
                  WHEN (d ->> 'oldest')::timestamptz < pg_catalog.now() - (d ->> 'retention')::interval - interval '2 days' THEN 'warn'
                  ELSE 'ok' END;
    detail := pg_catalog.pg_size_pretty((d ->> 'bytes')::bigint) || ', ~' || GREATEST((d ->> 'rows_estimate')::bigint, 0) || ' rows'
              || coalesce(', oldest ' || (d ->> 'oldest'), '') || ', retention ' || (d ->> 'retention')
              || CASE WHEN (d ->> 'indexes')::integer < 2
                      THEN '; history indexes missing: as the table owner run CREATE INDEX ON cron.job_run_details (start_time) and (jobid, start_time)'
                      ELSE '' END;
    RETURN NEXT;

    -- time-zoned jobs whose pg_cron schedule no longer covers the zone's offsets (tzdata changed)
    SELECT pg_catalog.jsonb_agg(m.jobname ORDER BY m.jobname) INTO d
      FROM pgcadence.cron_job_meta m JOIN cron.job j ON j.jobname = m.jobname
     WHERE m.timezone IS NOT NULL AND j.schedule <> pgcadence.cron_utc_schedule(m.local_schedule, m.timezone);
    check_name := 'time-zone schedules'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'every time-zoned job covers its zone''s UTC offsets'
                   ELSE 'stale UTC hours (re-run update_cron_schedule with the same schedule): '
                        || (SELECT pg_catalog.string_agg(e #>> '{}', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- queue jobs whose task type has no registered handler
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', m.jobname, 'task_type', m.task_type) ORDER BY m.jobname) INTO d
      FROM pgcadence.cron_job_meta m JOIN cron.job j ON j.jobname = m.jobname
     WHERE m.task_type IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.job_handlers h WHERE h.task_type = m.task_type);
    check_name := 'task handlers'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'every queue job''s task type has a registered handler'
                   ELSE 'no handler registered for: ' || (SELECT pg_catalog.string_agg((e ->> 'job') || ' (' || (e ->> 'task_type') || ')', ', ')
                                                          FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION public.cron_health() IS
    'Cron health (seed 002 troubleshooting): failed last runs, never-run jobs, long/overlapping runs, net backlog and responses, history size and indexes, time-zone and handler checks. Admin only.';

-- ============================================================ grants
REVOKE ALL ON FUNCTION public.describe_cron_schedule(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_cron_jobs() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_cron_job_runs(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.toggle_cron_job(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.update_cron_schedule(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.delete_cron_job(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.run_cron_job_now(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.list_job_handlers() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.register_job_handler(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.cron_history_cleanup(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.set_cron_history_retention(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.cron_health() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION public.describe_cron_schedule(text, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.get_cron_jobs() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.get_cron_job_runs(integer, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.toggle_cron_job(text, boolean) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.update_cron_schedule(text, text, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.create_cron_job(text, text, text, jsonb, integer, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.delete_cron_job(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.run_cron_job_now(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.list_job_handlers() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.register_job_handler(text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.cron_history_cleanup(interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.set_cron_history_retention(interval) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.cron_health() TO authenticated, service_role;

-- internals: owner only
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'pgcadence'::regnamespace AND p.proname LIKE 'cron\_%' LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- ============================================================ cron
-- The seed's task types are registered here because the standing jobs below enqueue them;
-- the runner refreshes the list (and adds its own) on start.
INSERT INTO public.job_handlers (task_type, description, registered_by) VALUES
    ('game_platform_sync', 'Game Platform incremental sync (seed 002)', 'migration'),
    ('game_platform_totals_sweep', 'Refresh totals of competitors flagged needs_totals_refresh (seed 002)', 'migration')
ON CONFLICT (task_type) DO NOTHING;

SELECT pgcadence.cron_schedule_task('game_platform_sync_incremental', '*/30 * * * *', 'game_platform_sync',
                                    '{"incremental": true}', 3, NULL);
SELECT pgcadence.cron_schedule_task('game_platform_totals_sweep_hourly', '0 * * * *', 'game_platform_totals_sweep',
                                    '{}', 3, NULL);
SELECT pgcadence.cron_schedule('cron_history_cleanup', '45 3 * * *', 'SELECT public.cron_history_cleanup()', NULL);
