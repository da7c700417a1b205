-- Per-job IANA time zones on top of pg_cron 1.4 (which runs UTC only); see the
-- module note in README "Cron jobs" and sql/cron/scheduling.sql.

-- Canonical IANA name of a time zone, NULL for none/UTC; raise 22023 for anything else.
CREATE OR REPLACE FUNCTION pgcadence.cron_timezone(tz text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
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
        RAISE EXCEPTION 'unknown time zone %: use an IANA name such as America/Los_Angeles or Europe/Berlin (abbreviations like PST are ambiguous and have no DST rules)',
            pgcadence.cron_show(tz, 64) USING ERRCODE = '22023';
    END IF;
    RETURN canon;
END
$$;

-- NULL for none/UTC, else the name as stored (already validated by cron_timezone): the hot path.
CREATE OR REPLACE FUNCTION pgcadence.cron_tz(tz text)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN tz IS NULL OR pg_catalog.btrim(tz) = '' OR pg_catalog.upper(pg_catalog.btrim(tz)) IN ('UTC', 'ETC/UTC', 'GMT', 'Z')
                THEN NULL ELSE tz END
$$;

-- The UTC offsets a zone has had or will have around now (daily samples, -1 .. +3 years).
CREATE OR REPLACE FUNCTION pgcadence.cron_zone_offsets(tz text)
RETURNS SETOF interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT (d AT TIME ZONE tz) - (d AT TIME ZONE 'UTC')
    FROM pg_catalog.generate_series(pg_catalog.now() - interval '1 year', pg_catalog.now() + interval '3 years',
                                    interval '1 day') d
$$;

-- The schedule pg_cron gets for a local-time expression: every UTC minute/hour the local
-- time can fall on under any of the zone's offsets (weekdays widened by one day each way).
CREATE OR REPLACE FUNCTION pgcadence.cron_utc_schedule(schedule text, timezone text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION pgcadence.cron_local_due_spec(spec pgcadence.cron_spec, timezone text, at_time timestamptz)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION pgcadence.cron_local_due(schedule text, timezone text, at_time timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN pgcadence.cron_tz(timezone) IS NULL
                THEN pgcadence.cron_matches(pgcadence.cron_parse(schedule, false),
                                            pg_catalog.date_trunc('minute', at_time) AT TIME ZONE 'UTC')
                ELSE pgcadence.cron_local_due_spec(pgcadence.cron_parse(schedule, false), timezone, at_time)
           END
$$;
COMMENT ON FUNCTION pgcadence.cron_local_due(text, text, timestamptz) IS
    'True when the minute of at_time is when a job with this local schedule and time zone fires (PostgreSQL''s reading of local times across DST changes).';

-- The command pg_cron runs for a time-zoned job: run "command" only when due in local time.
-- Not SECURITY DEFINER, and the command runs with the search_path pg_cron would give it
-- (the job user's default), not the function's pinned one.
CREATE OR REPLACE FUNCTION pgcadence.cron_if_local(schedule text, timezone text, command text, at_time timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    default_path text;
BEGIN
    IF pgcadence.cron_local_due(schedule, timezone, at_time) THEN
        SELECT s.reset_val INTO default_path FROM pg_catalog.pg_settings s WHERE s.name = 'search_path';
        PERFORM pg_catalog.set_config('search_path', default_path, true);  -- restored when this function returns
        EXECUTE command;
        RETURN 'ran';
    END IF;
    RETURN 'not due in ' || timezone;
END
$$;

-- Next time the job fires after "after" (UTC instant); NULL if never (within five years).
CREATE OR REPLACE FUNCTION pgcadence.cron_next_run(schedule text, timezone text DEFAULT NULL, after timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    spec pgcadence.cron_spec := pgcadence.cron_parse(schedule, false);
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
