-- Cron expressions in SQL: parse and validate a 5-field expression the way pg_cron
-- 1.4 reads it, with errors that name the field.

-- A value from the caller as an error message shows it: double-quoted, cut to n
-- characters, control characters and quotes escaped (JSON style), so that every error
-- stays one line however hostile the input.
CREATE OR REPLACE FUNCTION pgcadence.cron_show(v text, n integer DEFAULT 64)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.to_jsonb(pg_catalog.left(coalesce(v, ''), n))::text
$$;
REVOKE ALL ON FUNCTION pgcadence.cron_show(text, integer) FROM PUBLIC, anon, authenticated;

-- Expand one cron field into its sorted set of values; raise 22023 naming the field.
CREATE OR REPLACE FUNCTION pgcadence.cron_field(field text, label text, lo integer, hi integer,
                                     names text[] DEFAULT NULL, name_base integer DEFAULT 0)
RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    item text;
    m text[];
    parts text[];
    a integer;
    b integer;
    step integer;
    i integer;
    vals integer[] := '{}';
    shown text := pgcadence.cron_show(field, 40);
BEGIN
    FOREACH item IN ARRAY pg_catalog.string_to_array(field, ',') LOOP
        IF item = '' THEN
            RAISE EXCEPTION 'invalid % field %: empty element in a list', label, shown USING ERRCODE = '22023';
        END IF;
        IF item ~ '[?#]' OR item ~ '^[0-9]*[lw]$' THEN
            RAISE EXCEPTION 'invalid % field %: Quartz syntax (L, W, #, ?) is not cron; pg_cron 1.4 cannot run it',
                label, shown USING ERRCODE = '22023';
        END IF;
        m := pg_catalog.regexp_match(item, '^(\*|([0-9]+|[a-z]+)(-([0-9]+|[a-z]+))?)(/([0-9]+))?$');
        IF m IS NULL THEN
            RAISE EXCEPTION 'invalid % field %: % is not a number, a range (a-b), * or a step (*/n, a-b/n)',
                label, shown, pgcadence.cron_show(item, 20) USING ERRCODE = '22023';
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
                        RAISE EXCEPTION 'invalid % field %: % is out of range %-%', label, shown,
                            pg_catalog.left(parts[i], 12), lo, hi USING ERRCODE = '22023';
                    END IF;
                ELSIF names IS NULL OR pg_catalog.array_position(names, parts[i]) IS NULL THEN
                    RAISE EXCEPTION 'invalid % field %: unknown name %', label, shown, pgcadence.cron_show(parts[i], 12) ||
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
                RAISE EXCEPTION 'invalid % field %: a step needs a range or *: write %-%/% or */%', label, shown,
                    m[2], hi, m[6], m[6] USING ERRCODE = '22023';
            END IF;
            IF a > b THEN
                RAISE EXCEPTION 'invalid % field %: range %-% runs backwards', label, shown, a, b USING ERRCODE = '22023';
            END IF;
        END IF;
        IF m[6] IS NOT NULL THEN
            IF pg_catalog.length(m[6]) > 4 OR m[6]::integer NOT BETWEEN 1 AND hi - lo + 1 THEN
                RAISE EXCEPTION 'invalid % field %: step % must be between 1 and %', label, shown,
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
CREATE OR REPLACE FUNCTION pgcadence.cron_day_matches(spec pgcadence.cron_spec, ts timestamp)
RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT extract(month FROM ts)::integer = ANY (spec.months)
       AND CASE WHEN spec.dom_star OR spec.dow_star
                THEN extract(day FROM ts)::integer = ANY (spec.days) AND extract(dow FROM ts)::integer = ANY (spec.weekdays)
                ELSE extract(day FROM ts)::integer = ANY (spec.days) OR extract(dow FROM ts)::integer = ANY (spec.weekdays)
           END
$$;

-- Does the minute ts (a wall-clock time) match the expression?
CREATE OR REPLACE FUNCTION pgcadence.cron_matches(spec pgcadence.cron_spec, ts timestamp)
RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT extract(minute FROM ts)::integer = ANY (spec.minutes)
       AND extract(hour FROM ts)::integer = ANY (spec.hours)
       AND pgcadence.cron_day_matches(spec, ts)
$$;

-- First matching minute strictly after "after" (wall-clock), within five years; NULL if none.
CREATE OR REPLACE FUNCTION pgcadence.cron_next_naive(spec pgcadence.cron_spec, after timestamp)
RETURNS timestamp
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.min(d.day + pg_catalog.make_interval(hours => h, mins => mi))
    FROM (SELECT g.day   -- the first two matching days: months of the expression first, then their days
          FROM pg_catalog.generate_series(pg_catalog.date_trunc('month', after),
                                          pg_catalog.date_trunc('month', after) + interval '60 months',
                                          interval '1 month') AS mo(start)
          CROSS JOIN LATERAL pg_catalog.generate_series(mo.start, mo.start + interval '1 month' - interval '1 day',
                                                        interval '1 day') AS g(day)
          WHERE extract(month FROM mo.start)::integer = ANY (spec.months)
            AND g.day >= pg_catalog.date_trunc('day', after)
            AND pgcadence.cron_day_matches(spec, g.day)
          LIMIT 2) d,
         pg_catalog.unnest(spec.hours) h,
         pg_catalog.unnest(spec.minutes) mi
    WHERE d.day + pg_catalog.make_interval(hours => h, mins => mi) > after
$$;

-- Parse and validate a 5-field cron expression; raise 22023 with a message naming the
-- bad field, and reject what pg_cron 1.4 cannot run (seconds, 6 fields, $, macros).
CREATE OR REPLACE FUNCTION pgcadence.cron_parse(schedule text, check_fires boolean DEFAULT true)
RETURNS pgcadence.cron_spec
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
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
        RAISE EXCEPTION 'cron schedule %: seconds schedules need pg_cron 1.5 or newer; pg_cron 1.4 runs whole minutes only: use 5 fields such as "* * * * *"', pgcadence.cron_show(s, 40)
            USING ERRCODE = '22023';
    END IF;
    IF s ~ '^@' THEN
        RAISE EXCEPTION 'cron schedule %: macros are not accepted; write 5 fields (@hourly = "0 * * * *", @daily = "0 0 * * *", @weekly = "0 0 * * 0", @monthly = "0 0 1 * *"; @reboot has no equivalent)',
            pgcadence.cron_show(s, 20) USING ERRCODE = '22023';
    END IF;
    f := pg_catalog.regexp_split_to_array(s, '\s+');
    IF pg_catalog.strpos(s, '$') > 0 THEN
        RAISE EXCEPTION 'cron schedule %: "$" (last day of the month) needs pg_cron 1.6; pg_cron 1.4 cannot run it', pgcadence.cron_show(s, 40)
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.cardinality(f) = 6 THEN
        RAISE EXCEPTION 'cron schedule % has 6 fields: a seconds field is not supported (pg_cron 1.4 runs whole minutes); use 5 fields: minute hour day month weekday', pgcadence.cron_show(s, 40)
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.cardinality(f) <> 5 THEN
        RAISE EXCEPTION 'cron schedule % has % field(s); it needs 5: minute hour day month weekday', pgcadence.cron_show(s, 40),
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
        RAISE EXCEPTION 'cron schedule % never fires: no date has day % in month %', pgcadence.cron_show(s, 40), f[3], f[4] USING ERRCODE = '22023';
    END IF;
    RETURN spec;
END
$$;

-- Render a set of values as a cron field: '*' when complete, runs as a-b.
CREATE OR REPLACE FUNCTION pgcadence.cron_render_field(vals integer[], lo integer, hi integer)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN (SELECT pg_catalog.count(DISTINCT v) FROM pg_catalog.unnest(vals) v WHERE v BETWEEN lo AND hi) = hi - lo + 1
                THEN '*'
                ELSE (SELECT pg_catalog.string_agg(CASE WHEN r.a = r.b THEN r.a::text ELSE r.a || '-' || r.b END, ',' ORDER BY r.a)
                      FROM (SELECT pg_catalog.min(v) a, pg_catalog.max(v) b
                            FROM (SELECT v, v - pg_catalog.row_number() OVER (ORDER BY v) AS grp
                                  FROM (SELECT DISTINCT v FROM pg_catalog.unnest(vals) v) x) y
                            GROUP BY grp) r)
           END
$$;
