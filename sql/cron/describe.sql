-- Plain-English descriptions and next-run times of cron expressions.

-- English list: "a", "a and b", "a, b and c".
CREATE OR REPLACE FUNCTION pgcadence.cron_en_list(items text[])
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN pg_catalog.cardinality(items) <= 1 THEN items[1]
                ELSE pg_catalog.array_to_string(items[1:pg_catalog.cardinality(items) - 1], ', ')
                     || ' and ' || items[pg_catalog.cardinality(items)] END
$$;

-- Plain English for a parsed expression (see describe_cron_schedule).
CREATE OR REPLACE FUNCTION pgcadence.cron_describe_spec(spec pgcadence.cron_spec)
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION pgcadence.cron_describe_safe(schedule text, timezone text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN pgcadence.cron_describe_spec(pgcadence.cron_parse(schedule, false))
           || CASE WHEN timezone IS NULL THEN '' ELSE ' (' || timezone || ')' END;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 'pg_cron schedule "' || schedule || '"';
END
$$;

CREATE OR REPLACE FUNCTION pgcadence.cron_next_run_safe(schedule text, timezone text, after timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN pgcadence.cron_next_run(schedule, timezone, after);
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN NULL;
END
$$;

-- Plain English for a cron expression, e.g. '0 3 * * *' -> 'Daily at 03:00'.
CREATE OR REPLACE FUNCTION public.describe_cron_schedule(schedule text, timezone text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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

REVOKE ALL ON FUNCTION public.describe_cron_schedule(text, text) FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.describe_cron_schedule(text, text) TO authenticated, service_role;
