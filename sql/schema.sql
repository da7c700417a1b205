--
-- PostgreSQL database dump
--

--
-- Name: auth; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA auth;

--
-- Name: pg_cron; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA public;

--
-- Name: EXTENSION pg_cron; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_cron IS 'Job scheduler for PostgreSQL';

--
-- Name: extensions; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA extensions;

--
-- Name: pgcadence; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgcadence;

--
-- Name: SCHEMA pgcadence; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA pgcadence IS 'pgcadence internals: bookkeeping and settings; not an API.';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: email(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $$;

--
-- Name: FUNCTION email(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.email() IS 'Email claim of the current request, or NULL.';

--
-- Name: jwt(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $$;

--
-- Name: FUNCTION jwt(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.jwt() IS 'All JWT claims of the current request as jsonb, or NULL.';

--
-- Name: role(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $$;

--
-- Name: FUNCTION role(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.role() IS 'Role claim of the current request (anon, authenticated, service_role), or NULL.';

--
-- Name: uid(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $$;

--
-- Name: FUNCTION uid(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.uid() IS 'User id (sub claim) of the current request, or NULL.';

--
-- Name: cache_check_type(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cache_check_type(cache_type text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
BEGIN
    IF cache_type IS NULL OR cache_type !~ '^[a-z][a-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'invalid cache_type %: 1-50 lowercase letters, digits or "_", starting with a letter',
            pg_catalog.quote_nullable(pg_catalog.left(cache_type, 60)) USING ERRCODE = '22023';
    END IF;
END
$_$;

--
-- Name: cache_cleanup(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cache_cleanup() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM public.cache_storage c
    WHERE c.updated_at < pg_catalog.now() - pg_catalog.make_interval(days => c.retention_days);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

--
-- Name: FUNCTION cache_cleanup(); Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON FUNCTION pgcadence.cache_cleanup() IS 'Cron: delete caches whose updated_at is older than their retention_days.';

--
-- Name: cache_enqueue_due_refreshes(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cache_enqueue_due_refreshes() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    r record;
    n integer := 0;
    attempts integer := (SELECT s.refresh_max_attempts FROM pgcadence.cache_settings s);
BEGIN
    IF pg_catalog.to_regprocedure('public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text)') IS NULL THEN
        RAISE WARNING 'cache refresh: public.job_queue_enqueue() is missing (job queue migration not applied); nothing enqueued';
        RETURN 0;
    END IF;
    FOR r IN
        SELECT c.id, p.project_name, c.cache_type
        FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
        WHERE c.max_age IS NOT NULL AND p.is_active
          AND (c.last_fetch IS NULL OR c.last_fetch < pg_catalog.now() - c.max_age)
        ORDER BY c.last_fetch NULLS FIRST
        FOR UPDATE OF c SKIP LOCKED
    LOOP
        BEGIN
            PERFORM public.job_queue_enqueue(
                task_type => 'cache_refresh',
                payload => pg_catalog.jsonb_build_object('project', r.project_name, 'cache_type', r.cache_type),
                max_attempts => attempts,
                dedupe_key => 'cache_refresh:' || r.project_name || '/' || r.cache_type);
            UPDATE public.cache_storage SET refresh_enqueued_at = pg_catalog.now() WHERE id = r.id;
            n := n + 1;
        EXCEPTION WHEN unique_violation THEN
            NULL;  -- a refresh of this cache is already pending or running
        END;
    END LOOP;
    RETURN n;
END
$$;

--
-- Name: FUNCTION cache_enqueue_due_refreshes(); Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON FUNCTION pgcadence.cache_enqueue_due_refreshes() IS 'Cron: enqueue a cache_refresh job for every cache whose last_fetch is older than its max_age (one live job per cache).';

--
-- Name: cache_max_data_bytes(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cache_max_data_bytes() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT s.max_data_bytes FROM pgcadence.cache_settings s
$$;

--
-- Name: cache_project_id(text, boolean); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cache_project_id(project text, create_missing boolean) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
DECLARE
    pid integer;
    active boolean;
BEGIN
    IF project IS NULL OR project !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' THEN
        RAISE EXCEPTION 'invalid project name %: 1-100 letters, digits, "_", "." or "-", starting with a letter or digit',
            pg_catalog.quote_nullable(pg_catalog.left(project, 120)) USING ERRCODE = '22023';
    END IF;
    SELECT p.id, p.is_active INTO pid, active FROM public.projects p WHERE p.project_name = project;
    IF pid IS NULL AND create_missing THEN
        INSERT INTO public.projects (project_name) VALUES (project)
        ON CONFLICT (project_name) DO NOTHING RETURNING id INTO pid;
        IF pid IS NULL THEN  -- created concurrently
            SELECT p.id, p.is_active INTO pid, active FROM public.projects p WHERE p.project_name = project;
        ELSE
            active := true;
        END IF;
    END IF;
    IF pid IS NOT NULL AND NOT active AND create_missing THEN
        RAISE EXCEPTION 'project % is inactive: its caches are not written', project USING ERRCODE = '55000';
    END IF;
    RETURN pid;
END
$_$;

--
-- Name: cache_storage_before_write(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cache_storage_before_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    size_limit bigint := pgcadence.cache_max_data_bytes();
    project text;
BEGIN
    IF TG_OP = 'INSERT' OR NEW.data IS DISTINCT FROM OLD.data THEN
        NEW.data_size := pg_catalog.octet_length(NEW.data::text);
    ELSE
        NEW.data_size := OLD.data_size;
    END IF;
    IF NEW.data_size > size_limit THEN
        SELECT p.project_name INTO project FROM public.projects p WHERE p.id = NEW.project_id;
        RAISE EXCEPTION 'cache data for %/% is % bytes, over the limit of % bytes',
            COALESCE(project, NEW.project_id::text), NEW.cache_type, NEW.data_size, size_limit
            USING ERRCODE = '54000',
                  HINT = 'the limit is pgcadence.cache_settings.max_data_bytes';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$$;

--
-- Name: cron_beat(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_beat() RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.cron_heartbeat SET beats = beats + 1, beat_at = pg_catalog.now();
$$;

--
-- Name: cache_due_for_refresh(text, text, interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_due_for_refresh(project text, cache_type text, max_age interval DEFAULT NULL::interval) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT COALESCE((
        SELECT CASE WHEN c.last_fetch IS NULL THEN true
                    WHEN COALESCE(cache_due_for_refresh.max_age, c.max_age) IS NULL THEN false
                    ELSE c.last_fetch < pg_catalog.now() - COALESCE(cache_due_for_refresh.max_age, c.max_age) END
        FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
        WHERE p.project_name = cache_due_for_refresh.project AND c.cache_type = cache_due_for_refresh.cache_type
    ), true)
$$;

--
-- Name: FUNCTION cache_due_for_refresh(project text, cache_type text, max_age interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_due_for_refresh(project text, cache_type text, max_age interval) IS 'True when the cache is missing, never fetched, or its last_fetch is older than max_age (default: the stored max_age).';

--
-- Name: cache_get(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_get(project text, cache_type text) RETURNS TABLE(data jsonb, last_fetch timestamp with time zone, last_rich_fetch timestamp with time zone, cache_version text, max_age interval, data_size integer, updated_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT c.data, c.last_fetch, c.last_rich_fetch, c.cache_version::text, c.max_age, c.data_size, c.updated_at
    FROM public.cache_storage c JOIN public.projects p ON p.id = c.project_id
    WHERE p.project_name = cache_get.project AND c.cache_type = cache_get.cache_type
$$;

--
-- Name: FUNCTION cache_get(project text, cache_type text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_get(project text, cache_type text) IS 'The cached document of (project, cache_type) with its fetch times, or no row.';

--
-- Name: cache_purge(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_purge(project text DEFAULT NULL::text, cache_type text DEFAULT NULL::text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    n integer;
BEGIN
    IF project IS NULL AND cache_type IS NOT NULL THEN
        RAISE EXCEPTION 'cache_purge: give the project when giving a cache_type' USING ERRCODE = '22023';
    END IF;
    DELETE FROM public.cache_storage c
    USING public.projects p
    WHERE p.id = c.project_id
      AND (cache_purge.project IS NULL OR p.project_name = cache_purge.project)
      AND (cache_purge.cache_type IS NULL OR c.cache_type = cache_purge.cache_type);
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM public.cache_stats s
    USING public.projects p
    WHERE p.id = s.project_id
      AND (cache_purge.project IS NULL OR p.project_name = cache_purge.project)
      AND (cache_purge.cache_type IS NULL OR s.cache_type = cache_purge.cache_type);
    RETURN n;
END
$$;

--
-- Name: FUNCTION cache_purge(project text, cache_type text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_purge(project text, cache_type text) IS 'Delete every cache, those of one project, or one cache (and their stats). Returns the number of caches deleted.';

--
-- Name: cache_put(text, text, jsonb, timestamp with time zone, timestamp with time zone, interval, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_put(project text, cache_type text, data jsonb, last_fetch timestamp with time zone DEFAULT now(), last_rich_fetch timestamp with time zone DEFAULT NULL::timestamp with time zone, max_age interval DEFAULT NULL::interval, cache_version text DEFAULT NULL::text) RETURNS TABLE(written boolean, data_size integer, updated_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
DECLARE
    pid integer;
    r record;
BEGIN
    PERFORM pgcadence.cache_check_type(cache_type);
    IF data IS NULL OR pg_catalog.jsonb_typeof(data) <> 'object' THEN
        RAISE EXCEPTION 'cache data for %/% must be a JSON object, not %', project, cache_type,
            COALESCE(pg_catalog.jsonb_typeof(data), 'NULL') USING ERRCODE = '22023';
    END IF;
    IF max_age IS NOT NULL AND max_age <= interval '0' THEN
        RAISE EXCEPTION 'max_age must be positive, not %', max_age USING ERRCODE = '22023';
    END IF;
    pid := pgcadence.cache_project_id(project, true);
    INSERT INTO public.cache_storage AS c
        (project_id, cache_type, data, last_fetch, last_rich_fetch, data_size, max_age, cache_version)
    VALUES (pid, cache_type, data, last_fetch, last_rich_fetch, 0, max_age, COALESCE(cache_version, '1.0'))
    ON CONFLICT (project_id, cache_type) DO UPDATE
        SET data = EXCLUDED.data,
            last_fetch = EXCLUDED.last_fetch,
            last_rich_fetch = COALESCE(EXCLUDED.last_rich_fetch, c.last_rich_fetch),
            max_age = COALESCE(cache_put.max_age, c.max_age),
            cache_version = COALESCE(cache_put.cache_version, c.cache_version),
            refresh_enqueued_at = NULL
        WHERE c.last_fetch IS NULL OR EXCLUDED.last_fetch IS NULL OR EXCLUDED.last_fetch >= c.last_fetch
    RETURNING c.data_size, c.updated_at INTO r;
    IF FOUND THEN
        RETURN QUERY SELECT true, r.data_size, r.updated_at;
    ELSE
        RETURN QUERY SELECT false, c.data_size, c.updated_at FROM public.cache_storage c
            WHERE c.project_id = pid AND c.cache_type = cache_put.cache_type;
    END IF;
END
$$;

--
-- Name: FUNCTION cache_put(project text, cache_type text, data jsonb, last_fetch timestamp with time zone, last_rich_fetch timestamp with time zone, max_age interval, cache_version text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_put(project text, cache_type text, data jsonb, last_fetch timestamp with time zone, last_rich_fetch timestamp with time zone, max_age interval, cache_version text) IS 'Store a cache document (JSON object, at most cache_settings.max_data_bytes). Creates the project on first use. written = false when the stored copy has a newer last_fetch (nothing changed). last_rich_fetch, max_age, cache_version: NULL keeps the stored value.';

--
-- Name: cache_record_stats(text, text, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_record_stats(project text, cache_type text, deltas jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    pid integer;
BEGIN
    PERFORM pgcadence.cache_check_type(cache_type);
    IF deltas IS NULL OR pg_catalog.jsonb_typeof(deltas) <> 'object' THEN
        RAISE EXCEPTION 'cache_record_stats: deltas must be a JSON object' USING ERRCODE = '22023';
    END IF;
    pid := pgcadence.cache_project_id(project, true);
    INSERT INTO public.cache_stats AS s
        (project_id, cache_type, tier, hits, misses, errors, latency_samples, latency_total_us)
    SELECT pid, cache_record_stats.cache_type, d.key,
           COALESCE((d.value ->> 'hits')::bigint, 0), COALESCE((d.value ->> 'misses')::bigint, 0),
           COALESCE((d.value ->> 'errors')::bigint, 0), COALESCE((d.value ->> 'latency_samples')::bigint, 0),
           COALESCE((d.value ->> 'latency_total_us')::double precision, 0)
    FROM pg_catalog.jsonb_each(deltas) d
    ON CONFLICT ON CONSTRAINT cache_stats_pkey DO UPDATE
        SET hits = s.hits + EXCLUDED.hits, misses = s.misses + EXCLUDED.misses,
            errors = s.errors + EXCLUDED.errors, latency_samples = s.latency_samples + EXCLUDED.latency_samples,
            latency_total_us = s.latency_total_us + EXCLUDED.latency_total_us, updated_at = pg_catalog.now();
END
$$;

--
-- Name: FUNCTION cache_record_stats(project text, cache_type text, deltas jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_record_stats(project text, cache_type text, deltas jsonb) IS 'Add per-tier counter deltas ({"memory": {"hits": n, "misses": n, "errors": n, "latency_samples": n, "latency_total_us": x}, ...}).';

--
-- Name: cache_set_max_age(text, text, interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_set_max_age(project text, cache_type text, max_age interval) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    IF max_age IS NOT NULL AND max_age <= interval '0' THEN
        RAISE EXCEPTION 'max_age must be positive, not %', max_age USING ERRCODE = '22023';
    END IF;
    UPDATE public.cache_storage c SET max_age = cache_set_max_age.max_age
    FROM public.projects p
    WHERE p.id = c.project_id AND p.project_name = cache_set_max_age.project
      AND c.cache_type = cache_set_max_age.cache_type;
    RETURN FOUND;
END
$$;

--
-- Name: FUNCTION cache_set_max_age(project text, cache_type text, max_age interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_set_max_age(project text, cache_type text, max_age interval) IS 'Set the refresh interval of a cache (NULL: not refreshed by pg_cron). False when the cache does not exist.';

--
-- Name: cache_settings; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cache_settings (
    id boolean DEFAULT true NOT NULL,
    max_data_bytes bigint DEFAULT 10485760 NOT NULL,
    refresh_max_attempts integer DEFAULT 3 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cache_settings_id_check CHECK (id),
    CONSTRAINT cache_settings_max_data_bytes_check CHECK (((max_data_bytes >= 2) AND (max_data_bytes <= 1073741823))),
    CONSTRAINT cache_settings_refresh_max_attempts_check CHECK ((refresh_max_attempts >= 1))
);

--
-- Name: TABLE cache_settings; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.cache_settings IS 'Cache store tunables: max_data_bytes (size of a cached JSON document, default 10 MB), refresh_max_attempts.';

--
-- Name: created_objects; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.created_objects (
    kind text NOT NULL,
    name text NOT NULL,
    CONSTRAINT created_objects_kind_check CHECK ((kind = ANY (ARRAY['role'::text, 'schema'::text, 'function'::text, 'extension'::text])))
);

--
-- Name: TABLE created_objects; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.created_objects IS 'Objects migration 0001 created because they were missing; its rollback drops only these.';

--
-- Name: cron_heartbeat; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cron_heartbeat (
    id boolean DEFAULT true NOT NULL,
    beats bigint DEFAULT 0 NOT NULL,
    beat_at timestamp with time zone,
    CONSTRAINT cron_heartbeat_id_check CHECK (id)
);

--
-- Name: cache_stats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cache_stats (
    project_id integer NOT NULL,
    cache_type character varying(50) NOT NULL,
    tier text NOT NULL,
    hits bigint DEFAULT 0 NOT NULL,
    misses bigint DEFAULT 0 NOT NULL,
    errors bigint DEFAULT 0 NOT NULL,
    latency_samples bigint DEFAULT 0 NOT NULL,
    latency_total_us double precision DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cache_stats_cache_type_check CHECK (((cache_type)::text ~ '^[a-z][a-z0-9_]{0,49}$'::text)),
    CONSTRAINT cache_stats_errors_check CHECK ((errors >= 0)),
    CONSTRAINT cache_stats_hits_check CHECK ((hits >= 0)),
    CONSTRAINT cache_stats_latency_samples_check CHECK ((latency_samples >= 0)),
    CONSTRAINT cache_stats_latency_total_us_check CHECK ((latency_total_us >= (0)::double precision)),
    CONSTRAINT cache_stats_misses_check CHECK ((misses >= 0)),
    CONSTRAINT cache_stats_tier_check CHECK ((tier = ANY (ARRAY['memory'::text, 'file'::text, 'db'::text, 'fetch'::text])))
);

--
-- Name: TABLE cache_stats; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.cache_stats IS 'Hit/miss/error counts and latency totals per cache and tier, summed over every runner process.';

--
-- Name: cache_storage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cache_storage (
    id integer NOT NULL,
    project_id integer NOT NULL,
    cache_type character varying(50) NOT NULL,
    data jsonb NOT NULL,
    last_fetch timestamp with time zone,
    last_rich_fetch timestamp with time zone,
    data_size integer NOT NULL,
    cache_version character varying(20) DEFAULT '1.0'::character varying NOT NULL,
    retention_days integer DEFAULT 30 NOT NULL,
    max_age interval,
    refresh_enqueued_at timestamp with time zone,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cache_storage_data_is_object CHECK ((jsonb_typeof(data) = 'object'::text)),
    CONSTRAINT cache_storage_data_size_check CHECK ((data_size >= 0)),
    CONSTRAINT cache_storage_max_age_check CHECK ((max_age > '00:00:00'::interval)),
    CONSTRAINT cache_storage_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT cache_storage_retention_days_check CHECK (((retention_days >= 1) AND (retention_days <= 36500))),
    CONSTRAINT cache_storage_type_format CHECK (((cache_type)::text ~ '^[a-z][a-z0-9_]{0,49}$'::text)),
    CONSTRAINT cache_storage_version_format CHECK (((cache_version)::text ~ '^[0-9]+(\.[0-9]+){0,2}$'::text))
);

--
-- Name: TABLE cache_storage; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.cache_storage IS 'Persistent tier of the hybrid cache: one JSON document per (project, cache_type). Use cache_put/cache_get.';

--
-- Name: COLUMN cache_storage.data_size; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cache_storage.data_size IS 'Bytes of data as JSON text; set by the database on every write.';

--
-- Name: COLUMN cache_storage.retention_days; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cache_storage.retention_days IS 'Rows not written for this many days are deleted by the daily cleanup job.';

--
-- Name: COLUMN cache_storage.max_age; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cache_storage.max_age IS 'Refresh interval: pg_cron enqueues a refresh once last_fetch is older. NULL: never refreshed by cron.';

--
-- Name: COLUMN cache_storage.refresh_enqueued_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.cache_storage.refresh_enqueued_at IS 'When the last refresh job was enqueued; cleared by the next cache_put.';

--
-- Name: cache_storage_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.cache_storage ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.cache_storage_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    id integer NOT NULL,
    project_name character varying(100) NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    CONSTRAINT projects_name_format CHECK (((project_name)::text ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$'::text))
);

--
-- Name: TABLE projects; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.projects IS 'Projects owning caches (seed 004 multi-project support). Inactive projects are neither written nor refreshed.';

--
-- Name: projects_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.projects ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.projects_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: cache_settings cache_settings_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cache_settings
    ADD CONSTRAINT cache_settings_pkey PRIMARY KEY (id);

--
-- Name: created_objects created_objects_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.created_objects
    ADD CONSTRAINT created_objects_pkey PRIMARY KEY (kind, name);

--
-- Name: cron_heartbeat cron_heartbeat_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cron_heartbeat
    ADD CONSTRAINT cron_heartbeat_pkey PRIMARY KEY (id);

--
-- Name: cache_stats cache_stats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_stats
    ADD CONSTRAINT cache_stats_pkey PRIMARY KEY (project_id, cache_type, tier);

--
-- Name: cache_storage cache_storage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_storage
    ADD CONSTRAINT cache_storage_pkey PRIMARY KEY (id);

--
-- Name: cache_storage cache_storage_project_id_cache_type_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_storage
    ADD CONSTRAINT cache_storage_project_id_cache_type_key UNIQUE (project_id, cache_type);

--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);

--
-- Name: projects projects_project_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_project_name_key UNIQUE (project_name);

--
-- Name: idx_cache_storage_refresh; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_cache_storage_refresh ON public.cache_storage USING btree (last_fetch) WHERE (max_age IS NOT NULL);

--
-- Name: idx_cache_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_cache_type ON public.cache_storage USING btree (cache_type);

--
-- Name: idx_data_size; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_data_size ON public.cache_storage USING btree (data_size);

--
-- Name: idx_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_project_id ON public.cache_storage USING btree (project_id);

--
-- Name: idx_updated_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_updated_at ON public.cache_storage USING btree (updated_at);

--
-- Name: cache_storage cache_storage_before_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cache_storage_before_write BEFORE INSERT OR UPDATE ON public.cache_storage FOR EACH ROW EXECUTE FUNCTION pgcadence.cache_storage_before_write();

--
-- Name: cache_stats cache_stats_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_stats
    ADD CONSTRAINT cache_stats_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

--
-- Name: cache_storage cache_storage_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_storage
    ADD CONSTRAINT cache_storage_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

--
-- Name: cache_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.cache_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: cache_storage Service role can manage cache; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Service role can manage cache" ON public.cache_storage TO service_role USING (((( SELECT auth.role() AS role) = 'service_role'::text) OR (CURRENT_USER = 'service_role'::name))) WITH CHECK (((( SELECT auth.role() AS role) = 'service_role'::text) OR (CURRENT_USER = 'service_role'::name)));

--
-- Name: cache_stats Service role can manage cache stats; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Service role can manage cache stats" ON public.cache_stats TO service_role USING (((( SELECT auth.role() AS role) = 'service_role'::text) OR (CURRENT_USER = 'service_role'::name))) WITH CHECK (((( SELECT auth.role() AS role) = 'service_role'::text) OR (CURRENT_USER = 'service_role'::name)));

--
-- Name: projects Service role can manage projects; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Service role can manage projects" ON public.projects TO service_role USING (((( SELECT auth.role() AS role) = 'service_role'::text) OR (CURRENT_USER = 'service_role'::name))) WITH CHECK (((( SELECT auth.role() AS role) = 'service_role'::text) OR (CURRENT_USER = 'service_role'::name)));

--
-- Name: cache_stats; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cache_stats ENABLE ROW LEVEL SECURITY;

--
-- Name: cache_storage; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cache_storage ENABLE ROW LEVEL SECURITY;

--
-- Name: projects; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA auth; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA auth TO anon;
GRANT USAGE ON SCHEMA auth TO authenticated;
GRANT USAGE ON SCHEMA auth TO service_role;

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT USAGE ON SCHEMA public TO service_role;

--
-- Name: SCHEMA extensions; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA extensions TO anon;
GRANT USAGE ON SCHEMA extensions TO authenticated;
GRANT USAGE ON SCHEMA extensions TO service_role;

--
-- Name: FUNCTION cache_check_type(cache_type text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cache_check_type(cache_type text) FROM PUBLIC;

--
-- Name: FUNCTION cache_cleanup(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cache_cleanup() FROM PUBLIC;

--
-- Name: FUNCTION cache_enqueue_due_refreshes(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cache_enqueue_due_refreshes() FROM PUBLIC;

--
-- Name: FUNCTION cache_max_data_bytes(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cache_max_data_bytes() FROM PUBLIC;

--
-- Name: FUNCTION cache_project_id(project text, create_missing boolean); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cache_project_id(project text, create_missing boolean) FROM PUBLIC;

--
-- Name: FUNCTION cache_storage_before_write(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cache_storage_before_write() FROM PUBLIC;

--
-- Name: FUNCTION cron_beat(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC;

--
-- Name: FUNCTION cache_due_for_refresh(project text, cache_type text, max_age interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_due_for_refresh(project text, cache_type text, max_age interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_due_for_refresh(project text, cache_type text, max_age interval) TO service_role;

--
-- Name: FUNCTION cache_get(project text, cache_type text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_get(project text, cache_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_get(project text, cache_type text) TO service_role;

--
-- Name: FUNCTION cache_purge(project text, cache_type text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_purge(project text, cache_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_purge(project text, cache_type text) TO service_role;

--
-- Name: FUNCTION cache_put(project text, cache_type text, data jsonb, last_fetch timestamp with time zone, last_rich_fetch timestamp with time zone, max_age interval, cache_version text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_put(project text, cache_type text, data jsonb, last_fetch timestamp with time zone, last_rich_fetch timestamp with time zone, max_age interval, cache_version text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_put(project text, cache_type text, data jsonb, last_fetch timestamp with time zone, last_rich_fetch timestamp with time zone, max_age interval, cache_version text) TO service_role;

--
-- Name: FUNCTION cache_record_stats(project text, cache_type text, deltas jsonb); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_record_stats(project text, cache_type text, deltas jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_record_stats(project text, cache_type text, deltas jsonb) TO service_role;

--
-- Name: FUNCTION cache_set_max_age(project text, cache_type text, max_age interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_set_max_age(project text, cache_type text, max_age interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_set_max_age(project text, cache_type text, max_age interval) TO service_role;

--
-- Name: TABLE cache_stats; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cache_stats TO service_role;

--
-- Name: TABLE cache_storage; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cache_storage TO service_role;

--
-- Name: SEQUENCE cache_storage_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.cache_storage_id_seq TO service_role;

--
-- Name: TABLE projects; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.projects TO service_role;

--
-- Name: SEQUENCE projects_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.projects_id_seq TO service_role;

--
-- PostgreSQL database dump complete
--
