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
-- Name: net; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA net;

--
-- Name: SCHEMA net; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA net IS 'pg_net-compatible asynchronous HTTP (pgcadence shim): net.http_get/http_post/http_delete enqueue, the pgcadence sender delivers.';

--
-- Name: pgcadence; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgcadence;

--
-- Name: SCHEMA pgcadence; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA pgcadence IS 'pgcadence internals: bookkeeping and settings; not an API.';

--
-- Name: vault; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA vault;

--
-- Name: SCHEMA vault; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA vault IS 'Vault-compatible secrets (pgcadence shim for supabase_vault).';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: http_method; Type: DOMAIN; Schema: net; Owner: -
--

CREATE DOMAIN net.http_method AS text
	CONSTRAINT http_method_check CHECK (((VALUE ~~* 'get'::text) OR (VALUE ~~* 'post'::text) OR (VALUE ~~* 'delete'::text)));

--
-- Name: http_response; Type: TYPE; Schema: net; Owner: -
--

CREATE TYPE net.http_response AS (
	status_code integer,
	headers jsonb,
	body text
);

--
-- Name: TYPE http_response; Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON TYPE net.http_response IS 'An HTTP answer: status code, headers (jsonb), body (text).';

--
-- Name: request_status; Type: TYPE; Schema: net; Owner: -
--

CREATE TYPE net.request_status AS ENUM (
    'PENDING',
    'SUCCESS',
    'ERROR'
);

--
-- Name: TYPE request_status; Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON TYPE net.request_status IS 'Lifecycle state of a request, as pg_net defines it.';

--
-- Name: http_response_result; Type: TYPE; Schema: net; Owner: -
--

CREATE TYPE net.http_response_result AS (
	status net.request_status,
	message text,
	response net.http_response
);

--
-- Name: TYPE http_response_result; Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON TYPE net.http_response_result IS 'What net._http_collect_response returns.';

--
-- Name: cron_spec; Type: TYPE; Schema: pgcadence; Owner: -
--

CREATE TYPE pgcadence.cron_spec AS (
	minutes integer[],
	hours integer[],
	days integer[],
	months integer[],
	weekdays integer[],
	dom_star boolean,
	dow_star boolean,
	fields text[]
);

--
-- Name: TYPE cron_spec; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TYPE pgcadence.cron_spec IS 'A parsed 5-field cron expression (see pgcadence.cron_parse).';

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
-- Name: _await_response(bigint); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net._await_response(request_id bigint) RETURNS boolean
    LANGUAGE plpgsql STRICT
    SET search_path TO ''
    AS $$
    DECLARE
        row_xmin bigint;
        xmax bigint;
        full_xid bigint;
    BEGIN
        WHILE NOT EXISTS (SELECT 1 FROM net._http_response r WHERE r.id = request_id) LOOP
            SELECT q.xmin::text::bigint INTO row_xmin FROM net.http_request_queue q WHERE q.id = request_id;
            -- Unknown (or already expired) ids: stop; the caller reports "not found".
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            -- pg_net would wait forever here: a row we see whose inserting transaction is
            -- still in progress is our own, and the sender cannot see it before commit.
            -- (xids at or above the snapshot's xmax were running when it was taken)
            xmax := pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::bigint;
            full_xid := ((xmax >> 32) << 32) | row_xmin;
            IF row_xmin >= 3 AND (full_xid >= xmax
                                  OR pg_catalog.pg_xact_status(full_xid::text::xid8) = 'in progress') THEN
                RAISE EXCEPTION 'request % was queued in this transaction; it is sent only after commit', request_id
                    USING HINT = 'Commit first, then collect the response in a new transaction.';
            END IF;
            PERFORM pg_catalog.pg_sleep(0.05);
        END LOOP;
        RETURN true;
    END
    $$;

--
-- Name: _encode_url_with_params_array(text, text[]); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net._encode_url_with_params_array(url text, params_array text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $_$
    DECLARE
        m text[];
        scheme text;
        rest text;
        authority text;
        tail text;
        fragment text := '';
        port text;
        reason text;
    BEGIN
        m := pg_catalog.regexp_match(url, '^([A-Za-z0-9][A-Za-z0-9+.-]*):(.*)$');
        IF m IS NULL THEN
            reason := 'Bad scheme';
        ELSIF pg_catalog.lower(m[1]) NOT IN ('http', 'https') THEN
            reason := 'Unsupported URL scheme';
        ELSIF url ~ '[\x01-\x20\x7f]' THEN
            reason := 'Malformed input to a URL function';
        ELSE
            scheme := pg_catalog.lower(m[1]);
            rest := m[2];
            m := pg_catalog.regexp_match(rest, '^(/{1,3})([^/?#]*)(.*)$');
            IF m IS NULL OR pg_catalog.length(rest) - pg_catalog.length(pg_catalog.ltrim(rest, '/')) > 3 THEN
                reason := 'Unsupported number of slashes following scheme';
            ELSE
                authority := m[2];
                tail := m[3];
                port := (pg_catalog.regexp_match(authority, ':([^:\]@]*)$'))[1];
                IF pg_catalog.regexp_replace(authority, '^[^@]*@', '') ~ '^(:|$)' THEN
                    reason := 'No host part in the URL';
                ELSIF port IS NOT NULL AND port <> ''
                      AND (port !~ '^[0-9]{1,5}$' OR port::integer > 65535) THEN
                    reason := 'Port number was not a decimal number between 0 and 65535';
                END IF;
            END IF;
        END IF;
        IF reason IS NOT NULL THEN
            RAISE EXCEPTION USING
                ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('invalid URL "%s": %s', url, reason);
        END IF;

        -- normalise like curl: lower-case scheme, "//", a path of at least "/"
        IF pg_catalog.strpos(tail, '#') > 0 THEN
            fragment := pg_catalog.substr(tail, pg_catalog.strpos(tail, '#'));
            tail := pg_catalog.substr(tail, 1, pg_catalog.strpos(tail, '#') - 1);
        END IF;
        IF tail = '' OR pg_catalog.left(tail, 1) = '?' THEN
            tail := '/' || tail;
        END IF;
        IF pg_catalog.cardinality(params_array) > 0 THEN
            tail := pg_catalog.rtrim(tail, '?');
            tail := tail || CASE WHEN pg_catalog.strpos(tail, '?') > 0 THEN '&' ELSE '?' END
                         || pg_catalog.array_to_string(params_array, '&');
        END IF;
        RETURN scheme || '://' || authority || tail || fragment;
    END
    $_$;

--
-- Name: _http_collect_response(bigint, boolean); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net._http_collect_response(request_id bigint, async boolean DEFAULT true) RETURNS net.http_response_result
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
    DECLARE
        rec net._http_response;
    BEGIN
        IF NOT async THEN
            PERFORM net._await_response(request_id);
        END IF;

        SELECT * INTO rec FROM net._http_response r WHERE r.id = request_id LIMIT 1;

        IF rec IS NULL OR rec.error_msg IS NOT NULL THEN
            RETURN ('ERROR', coalesce(rec.error_msg, 'request matching request_id not found'), NULL)::net.http_response_result;
        END IF;

        RETURN ('SUCCESS', 'ok', (rec.status_code, rec.headers, rec.content)::net.http_response)::net.http_response_result;
    END
    $$;

--
-- Name: FUNCTION _http_collect_response(request_id bigint, async boolean); Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON FUNCTION net._http_collect_response(request_id bigint, async boolean) IS 'pg_net: (SUCCESS, ok, response) for any HTTP answer, (ERROR, error_msg, NULL) for a failed or unknown request. async => false waits while the request is queued.';

--
-- Name: _urlencode_string(character varying); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net._urlencode_string(string character varying) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $_$
    DECLARE
        raw bytea;
        b integer;
        encoded text := '';
    BEGIN
        IF string::text ~ '^[A-Za-z0-9._~-]*$' THEN
            RETURN string;  -- nothing to encode
        END IF;
        raw := pg_catalog.convert_to(string, 'UTF8');
        FOR i IN 0 .. pg_catalog.octet_length(raw) - 1 LOOP
            b := pg_catalog.get_byte(raw, i);
            IF (b BETWEEN 48 AND 57) OR (b BETWEEN 65 AND 90) OR (b BETWEEN 97 AND 122) OR b IN (45, 46, 95, 126) THEN
                encoded := encoded || pg_catalog.chr(b);
            ELSE
                encoded := encoded || '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(b), 2, '0'));
            END IF;
        END LOOP;
        RETURN encoded;
    END
    $_$;

--
-- Name: http_delete(text, jsonb, jsonb, integer, jsonb); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net.http_delete(url text, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{}'::jsonb, timeout_milliseconds integer DEFAULT 5000, body jsonb DEFAULT NULL::jsonb) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        request_id bigint;
    BEGIN
        PERFORM pgcadence.net_require(url, timeout_milliseconds);
        INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
        VALUES ('DELETE',
                net._encode_url_with_params_array(url, pgcadence.net_params_array(params)),
                headers,
                pg_catalog.convert_to(body::text, 'UTF8'),
                timeout_milliseconds)
        RETURNING id INTO request_id;
        RETURN request_id;
    END
    $$;

--
-- Name: FUNCTION http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb); Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON FUNCTION net.http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb) IS 'pg_net: queue an HTTP DELETE. Sent after commit; returns the request id.';

--
-- Name: http_get(text, jsonb, jsonb, integer); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net.http_get(url text, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{}'::jsonb, timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        request_id bigint;
    BEGIN
        PERFORM pgcadence.net_require(url, timeout_milliseconds);
        INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
        VALUES ('GET',
                net._encode_url_with_params_array(url, pgcadence.net_params_array(params)),
                headers,
                timeout_milliseconds)
        RETURNING id INTO request_id;
        RETURN request_id;
    END
    $$;

--
-- Name: FUNCTION http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer); Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) IS 'pg_net: queue an HTTP GET (params are percent-encoded onto the query string). Sent after commit; returns the request id.';

--
-- Name: http_post(text, jsonb, jsonb, jsonb, integer); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net.http_post(url text, body jsonb DEFAULT '{}'::jsonb, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb, timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        request_id bigint;
        content_type text;
    BEGIN
        PERFORM pgcadence.net_require(url, timeout_milliseconds);
        SELECT header_value INTO content_type
          FROM pg_catalog.jsonb_each_text(coalesce(headers, '{}'::jsonb)) AS r(header_name, header_value)
         WHERE pg_catalog.lower(header_name) = 'content-type'
         LIMIT 1;

        IF content_type IS NULL THEN
            headers := headers || '{"Content-Type": "application/json"}'::jsonb;
        END IF;

        IF content_type <> 'application/json' THEN
            RAISE EXCEPTION 'Content-Type header must be "application/json"';
        END IF;

        INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
        VALUES ('POST',
                net._encode_url_with_params_array(url, pgcadence.net_params_array(params)),
                headers,
                pg_catalog.convert_to(body::text, 'UTF8'),
                timeout_milliseconds)
        RETURNING id INTO request_id;
        RETURN request_id;
    END
    $$;

--
-- Name: FUNCTION http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer); Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) IS 'pg_net: queue an HTTP POST of body (sent as the jsonb text form). Content-Type must be application/json. Sent after commit; returns the request id.';

--
-- Name: wake(); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net.wake() RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
        SELECT pg_catalog.pg_notify('pgcadence_net', 'wake')
    $$;

--
-- Name: FUNCTION wake(); Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON FUNCTION net.wake() IS 'pg_net: wake the sender (delivered at commit).';

--
-- Name: worker_restart(); Type: FUNCTION; Schema: net; Owner: -
--

CREATE FUNCTION net.worker_restart() RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
    BEGIN
        PERFORM pg_catalog.pg_notify('pgcadence_net', 'restart');
        RETURN true;
    END
    $$;

--
-- Name: FUNCTION worker_restart(); Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON FUNCTION net.worker_restart() IS 'pg_net: restart the sender: it reconnects (re-reading pg_net.* settings); in-flight requests carry on. Returns true.';

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
-- Name: call_function(text, jsonb, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.call_function(function_name text, body jsonb, timeout_ms integer) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
BEGIN
    RETURN net.http_post(
        url := pg_catalog.rtrim(public.get_supabase_url(), '/') || '/functions/v1/' || function_name,
        body := body,
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || public.get_service_role_key()),
        timeout_milliseconds := timeout_ms);
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
-- Name: cron_caller(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_caller() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN auth.uid() IS NOT NULL THEN 'user ' || auth.uid()::text
                ELSE 'role ' || CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user::text
                                     ELSE pg_catalog.current_setting('role') END END
$$;

--
-- Name: cron_check_name(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_check_name(job_name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
BEGIN
    IF job_name IS NULL OR job_name = '' THEN
        RAISE EXCEPTION 'job_name is required' USING ERRCODE = '22023';
    END IF;
    IF job_name !~ '^[a-z][a-z0-9_]{2,62}$' THEN
        RAISE EXCEPTION 'invalid job_name "%": use 3-63 characters, lower-case letters, digits and _, starting with a letter',
            pg_catalog.left(job_name, 64) USING ERRCODE = '22023';
    END IF;
END
$_$;

--
-- Name: cron_day_matches(pgcadence.cron_spec, timestamp without time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_day_matches(spec pgcadence.cron_spec, ts timestamp without time zone) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT extract(month FROM ts)::integer = ANY (spec.months)
       AND CASE WHEN spec.dom_star OR spec.dow_star
                THEN extract(day FROM ts)::integer = ANY (spec.days) AND extract(dow FROM ts)::integer = ANY (spec.weekdays)
                ELSE extract(day FROM ts)::integer = ANY (spec.days) OR extract(dow FROM ts)::integer = ANY (spec.weekdays)
           END
$$;

--
-- Name: cron_describe_safe(text, text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_describe_safe(schedule text, timezone text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
BEGIN
    RETURN pgcadence.cron_describe_spec(pgcadence.cron_parse(schedule, false))
           || CASE WHEN timezone IS NULL THEN '' ELSE ' (' || timezone || ')' END;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 'pg_cron schedule "' || schedule || '"';
END
$$;

--
-- Name: cron_describe_spec(pgcadence.cron_spec); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_describe_spec(spec pgcadence.cron_spec) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;

--
-- Name: cron_en_list(text[]); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_en_list(items text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN pg_catalog.cardinality(items) <= 1 THEN items[1]
                ELSE pg_catalog.array_to_string(items[1:pg_catalog.cardinality(items) - 1], ', ')
                     || ' and ' || items[pg_catalog.cardinality(items)] END
$$;

--
-- Name: cron_enqueue_command(text, jsonb, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_enqueue_command(task_type text, payload jsonb, max_attempts integer) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT pg_catalog.format('SELECT public.job_queue_enqueue(task_type => %L, payload => %L::jsonb, max_attempts => %L::integer)',
                             task_type, payload::text, max_attempts)
$$;

--
-- Name: cron_field(text, text, integer, integer, text[], integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_field(field text, label text, lo integer, hi integer, names text[] DEFAULT NULL::text[], name_base integer DEFAULT 0) RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;

--
-- Name: cron_find_job(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_find_job(job_name text) RETURNS cron.job
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_if_local(text, text, text, timestamp with time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_if_local(schedule text, timezone text, command text, at_time timestamp with time zone DEFAULT now()) RETURNS text
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF pgcadence.cron_local_due(schedule, timezone, at_time) THEN
        EXECUTE command;
        RETURN 'ran';
    END IF;
    RETURN 'not due in ' || timezone;
END
$$;

--
-- Name: cron_local_due(text, text, timestamp with time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_local_due(schedule text, timezone text, at_time timestamp with time zone DEFAULT now()) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN pgcadence.cron_tz(timezone) IS NULL
                THEN pgcadence.cron_matches(pgcadence.cron_parse(schedule, false),
                                            pg_catalog.date_trunc('minute', at_time) AT TIME ZONE 'UTC')
                ELSE pgcadence.cron_local_due_spec(pgcadence.cron_parse(schedule, false), timezone, at_time)
           END
$$;

--
-- Name: FUNCTION cron_local_due(schedule text, timezone text, at_time timestamp with time zone); Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON FUNCTION pgcadence.cron_local_due(schedule text, timezone text, at_time timestamp with time zone) IS 'True when the minute of at_time is when a job with this local schedule and time zone fires (PostgreSQL''s reading of local times across DST changes).';

--
-- Name: cron_local_due_spec(pgcadence.cron_spec, text, timestamp with time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_local_due_spec(spec pgcadence.cron_spec, timezone text, at_time timestamp with time zone) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_matches(pgcadence.cron_spec, timestamp without time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_matches(spec pgcadence.cron_spec, ts timestamp without time zone) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT extract(minute FROM ts)::integer = ANY (spec.minutes)
       AND extract(hour FROM ts)::integer = ANY (spec.hours)
       AND pgcadence.cron_day_matches(spec, ts)
$$;

--
-- Name: cron_next_naive(pgcadence.cron_spec, timestamp without time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_next_naive(spec pgcadence.cron_spec, after timestamp without time zone) RETURNS timestamp without time zone
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_next_run(text, text, timestamp with time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_next_run(schedule text, timezone text DEFAULT NULL::text, after timestamp with time zone DEFAULT now()) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_next_run_safe(text, text, timestamp with time zone); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_next_run_safe(schedule text, timezone text, after timestamp with time zone DEFAULT now()) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
BEGIN
    RETURN pgcadence.cron_next_run(schedule, timezone, after);
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN NULL;
END
$$;

--
-- Name: cron_parse(text, boolean); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_parse(schedule text, check_fires boolean DEFAULT true) RETURNS pgcadence.cron_spec
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;

--
-- Name: cron_render_field(integer[], integer, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_render_field(vals integer[], lo integer, hi integer) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN (SELECT pg_catalog.count(DISTINCT v) FROM pg_catalog.unnest(vals) v WHERE v BETWEEN lo AND hi) = hi - lo + 1
                THEN '*'
                ELSE (SELECT pg_catalog.string_agg(CASE WHEN r.a = r.b THEN r.a::text ELSE r.a || '-' || r.b END, ',' ORDER BY r.a)
                      FROM (SELECT pg_catalog.min(v) a, pg_catalog.max(v) b
                            FROM (SELECT v, v - pg_catalog.row_number() OVER (ORDER BY v) AS grp
                                  FROM (SELECT DISTINCT v FROM pg_catalog.unnest(vals) v) x) y
                            GROUP BY grp) r)
           END
$$;

--
-- Name: cron_require_admin(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_require_admin(fn text) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_schedule(text, text, text, text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_schedule(job_name text, schedule text, command text, timezone text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION cron_schedule(job_name text, schedule text, command text, timezone text); Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON FUNCTION pgcadence.cron_schedule(job_name text, schedule text, command text, timezone text) IS 'Schedule or replace a SQL-command job; timezone (IANA) makes the schedule local wall-clock time, DST-safe. Returns the jobid.';

--
-- Name: cron_schedule_task(text, text, text, jsonb, integer, text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_schedule_task(job_name text, schedule text, task_type text, payload jsonb, max_attempts integer, timezone text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_timezone(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_timezone(tz text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
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
$_$;

--
-- Name: cron_tz(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_tz(tz text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN tz IS NULL OR pg_catalog.btrim(tz) = '' OR pg_catalog.upper(pg_catalog.btrim(tz)) IN ('UTC', 'ETC/UTC', 'GMT', 'Z')
                THEN NULL ELSE tz END
$$;

--
-- Name: cron_unschedule(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_unschedule(job_name text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
DECLARE
    j cron.job := pgcadence.cron_find_job(job_name);
BEGIN
    PERFORM cron.unschedule(j.jobid);
    DELETE FROM pgcadence.cron_job_meta m WHERE m.jobname = job_name;
    RETURN true;
END
$$;

--
-- Name: cron_utc_schedule(text, text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_utc_schedule(schedule text, timezone text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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

--
-- Name: cron_zone_offsets(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_zone_offsets(tz text) RETURNS SETOF interval
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    SELECT DISTINCT (d AT TIME ZONE tz) - (d AT TIME ZONE 'UTC')
    FROM pg_catalog.generate_series(pg_catalog.now() - interval '1 year', pg_catalog.now() + interval '3 years',
                                    interval '1 day') d
$$;

--
-- Name: game_platform_scope(uuid); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.game_platform_scope(coach_id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN coach_id IS NULL THEN 'all' ELSE 'coach:' || coach_id::text END
$$;

--
-- Name: header(jsonb, text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.header(headers jsonb, name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
    SELECT h.value FROM pg_catalog.jsonb_each_text(COALESCE(headers, '{}')) h
     WHERE pg_catalog.lower(h.key) = pg_catalog.lower(name) LIMIT 1
$$;

--
-- Name: job_queue_check(text, text, jsonb, integer, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
DECLARE
    size integer;
BEGIN
    IF task_type IS NULL OR task_type = '' THEN
        RAISE EXCEPTION '%: task_type is required', fn USING ERRCODE = '22023';
    END IF;
    IF task_type !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' THEN
        RAISE EXCEPTION '%: invalid task_type "%" (letters, digits, _ . : - ; at most 100 characters)',
            fn, pg_catalog.left(task_type, 120) USING ERRCODE = '22023';
    END IF;
    IF payload IS NOT NULL AND pg_catalog.jsonb_typeof(payload) <> 'object' THEN
        RAISE EXCEPTION '%: payload must be a JSON object, got %', fn, pg_catalog.jsonb_typeof(payload)
            USING ERRCODE = '22023';
    END IF;
    size := pg_catalog.pg_column_size(payload);
    IF size > max_payload THEN
        RAISE EXCEPTION '%: payload is % bytes; the limit is % bytes', fn, size, max_payload
            USING ERRCODE = '54000', HINT = 'Store large data elsewhere and put its key in the payload.';
    END IF;
    IF max_attempts IS NOT NULL AND max_attempts < 1 THEN
        RAISE EXCEPTION '%: max_attempts must be at least 1 (got %)', fn, max_attempts USING ERRCODE = '22023';
    END IF;
END
$_$;

--
-- Name: job_queue_not_found(text, uuid); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_not_found(fn text, job uuid) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
BEGIN
    RAISE EXCEPTION '%: no job with id %', fn, job USING ERRCODE = 'P0002';
END
$$;

--
-- Name: job_queue_notify(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_notify() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN NULL;
END
$$;

--
-- Name: job_queue_require_manager(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.job_queue_require_manager(fn text) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    caller name := CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                        ELSE pg_catalog.current_setting('role')::name END;
BEGIN
    IF pg_catalog.pg_has_role(caller, 'service_role', 'MEMBER') OR public.is_admin_user() THEN
        RETURN;
    END IF;
    RAISE EXCEPTION '%: permission denied: only service_role or an admin (profiles.role = ''admin'') may manage the job queue', fn
        USING ERRCODE = '42501';
END
$$;

--
-- Name: mandate_audit_append_only(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.mandate_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_catalog.current_setting('pgcadence.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'mandate_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501', HINT = 'retention: select purge_mandate_audit(''<interval>'') as the table owner';
END
$$;

--
-- Name: net_claim(integer, integer, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_claim(w integer, n integer, max_timeout_ms integer DEFAULT 300000) RETURNS TABLE(id bigint, method text, url text, headers text[], body bytea, timeout_milliseconds integer)
    LANGUAGE sql
    SET search_path TO ''
    AS $$
        WITH c AS (
            SELECT q.id, q.timeout_milliseconds
              FROM net.http_request_queue q
             WHERE NOT EXISTS (SELECT 1 FROM pgcadence.net_claims k WHERE k.id = q.id)
             ORDER BY q.id
             LIMIT n
               FOR UPDATE OF q SKIP LOCKED
        ), k AS (
            INSERT INTO pgcadence.net_claims (id, worker, lease_until)
            SELECT c.id, w, pg_catalog.now() + pg_catalog.make_interval(secs =>
                       (CASE WHEN c.timeout_milliseconds > 0 THEN c.timeout_milliseconds ELSE max_timeout_ms END) / 1000.0 + 60)
              FROM c
            ON CONFLICT ON CONSTRAINT net_claims_pkey DO NOTHING
            RETURNING net_claims.id
        )
        SELECT q.id, pg_catalog.upper(q.method), q.url,
               CASE WHEN q.headers IS NOT NULL THEN
                   ARRAY(SELECT h.key || ': ' || h.value FROM pg_catalog.jsonb_each_text(q.headers) h)
               END,
               q.body, q.timeout_milliseconds
          FROM net.http_request_queue q JOIN k ON k.id = q.id
         ORDER BY q.id
    $$;

--
-- Name: net_complete(bigint[], integer[], text[], text[], text[], boolean[], text[]); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_complete(ids bigint[], status_codes integer[], content_types text[], headers text[], contents text[], timed_out boolean[], error_msgs text[]) RETURNS integer
    LANGUAGE sql
    SET search_path TO ''
    AS $$
        WITH r AS (
            SELECT * FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(status_codes),
                                     pg_catalog.unnest(content_types), pg_catalog.unnest(headers),
                                     pg_catalog.unnest(contents), pg_catalog.unnest(timed_out),
                                     pg_catalog.unnest(error_msgs))
                   AS r(id, status_code, content_type, headers, content, timed_out, error_msg)
        ), d AS (
            DELETE FROM net.http_request_queue q USING r WHERE q.id = r.id RETURNING q.id
        ), k AS (
            DELETE FROM pgcadence.net_claims k USING r WHERE k.id = r.id RETURNING k.id
        ), ins AS (
            INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
            SELECT r.id, r.status_code, r.content_type, r.headers::jsonb, r.content, r.timed_out, r.error_msg
              FROM r JOIN d ON d.id = r.id
            RETURNING 1
        )
        SELECT pg_catalog.count(*)::integer FROM ins
    $$;

--
-- Name: net_enqueued(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_enqueued() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
    BEGIN
        IF pg_catalog.current_setting('pgcadence.net_marked', true) IS DISTINCT FROM pg_catalog.txid_current()::text THEN
            INSERT INTO pgcadence.net_enqueue_marks (first_id, enqueued_at)
            SELECT pg_catalog.min(n.id), pg_catalog.now() FROM new_rows n HAVING pg_catalog.count(*) > 0
            ON CONFLICT (first_id) DO NOTHING;
            PERFORM pg_catalog.set_config('pgcadence.net_marked', pg_catalog.txid_current()::text, true);
            PERFORM pg_catalog.pg_notify('pgcadence_net', 'wake');
        END IF;
        RETURN NULL;
    END
    $$;

--
-- Name: net_live_workers(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_live_workers() RETURNS SETOF integer
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT l.objid::text::bigint::integer
          FROM pg_catalog.pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
           AND l.classid = pgcadence.net_lock_class()::oid
           AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
    $$;

--
-- Name: net_lock_class(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_lock_class() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$ SELECT 1852142711 $$;

--
-- Name: net_maintain(interval, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_maintain(ttl interval DEFAULT '06:00:00'::interval, batch integer DEFAULT 10000) RETURNS TABLE(reclaimed integer, expired integer)
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
    DECLARE
        oldest bigint;
    BEGIN
        WITH d AS (
            DELETE FROM pgcadence.net_claims k
             WHERE k.lease_until < pg_catalog.now()
                OR k.worker NOT IN (SELECT pgcadence.net_live_workers())
            RETURNING 1
        ) SELECT pg_catalog.count(*) INTO reclaimed FROM d;

        WITH old AS (
            SELECT r.ctid FROM net._http_response r
             WHERE r.created < pg_catalog.now() - ttl
             ORDER BY r.created LIMIT batch
        ), d AS (
            DELETE FROM net._http_response r USING old WHERE r.ctid = old.ctid RETURNING 1
        ) SELECT pg_catalog.count(*) INTO expired FROM d;

        SELECT pg_catalog.min(q.id) INTO oldest FROM net.http_request_queue q;
        DELETE FROM pgcadence.net_enqueue_marks m
         WHERE m.first_id < coalesce((SELECT pg_catalog.max(m2.first_id) FROM pgcadence.net_enqueue_marks m2
                                       WHERE m2.first_id <= coalesce(oldest, 9223372036854775807)),
                                     0);
        RETURN NEXT;
    END
    $$;

--
-- Name: net_outcomes(interval); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_outcomes(since interval DEFAULT '01:00:00'::interval) RETURNS TABLE(outcome text, responses bigint)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT coalesce(r.status_code::text, CASE WHEN r.timed_out THEN 'timeout' ELSE 'error' END),
               pg_catalog.count(*)
          FROM net._http_response r
         WHERE r.created > pg_catalog.now() - since
         GROUP BY 1 ORDER BY 1
    $$;

--
-- Name: FUNCTION net_outcomes(since interval); Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON FUNCTION pgcadence.net_outcomes(since interval) IS 'Responses written in the last `since`, grouped by HTTP status code, timeout or error.';

--
-- Name: net_params_array(jsonb); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_params_array(params jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    BEGIN
        IF params IS NULL OR params = '{}'::jsonb THEN
            RETURN '{}'::text[];
        END IF;
        RETURN coalesce((SELECT pg_catalog.array_agg(net._urlencode_string(p.key) || '=' || net._urlencode_string(p.value))
                           FROM pg_catalog.jsonb_each_text(params) p), '{}'::text[]);
    END
    $$;

--
-- Name: net_release(integer, bigint[]); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_release(w integer, ids bigint[]) RETURNS integer
    LANGUAGE sql
    SET search_path TO ''
    AS $$
        WITH d AS (DELETE FROM pgcadence.net_claims k WHERE k.worker = w AND k.id = ANY (ids) RETURNING 1)
        SELECT pg_catalog.count(*)::integer FROM d
    $$;

--
-- Name: net_require(text, integer); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_require(url text, timeout_milliseconds integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
    BEGIN
        IF url IS NULL OR timeout_milliseconds IS NULL THEN
            RAISE EXCEPTION USING
                ERRCODE = 'not_null_violation',
                MESSAGE = pg_catalog.format('null value in column "%s" of relation "http_request_queue" violates not-null constraint',
                                            CASE WHEN url IS NULL THEN 'url' ELSE 'timeout_milliseconds' END),
                SCHEMA = 'net', TABLE = 'http_request_queue',
                COLUMN = CASE WHEN url IS NULL THEN 'url' ELSE 'timeout_milliseconds' END;
        END IF;
    END
    $$;

--
-- Name: net_status(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.net_status(OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer) RETURNS record
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT (SELECT pg_catalog.count(*) FROM net.http_request_queue q
                 WHERE NOT EXISTS (SELECT 1 FROM pgcadence.net_claims k WHERE k.id = q.id)),
               (SELECT pg_catalog.count(*) FROM pgcadence.net_claims k
                 WHERE k.worker IN (SELECT pgcadence.net_live_workers())),
               (SELECT pg_catalog.now() - m.enqueued_at FROM pgcadence.net_enqueue_marks m
                 WHERE m.first_id <= (SELECT pg_catalog.min(q.id) FROM net.http_request_queue q)
                 ORDER BY m.first_id DESC LIMIT 1),
               (SELECT pg_catalog.count(DISTINCT w)::integer FROM pgcadence.net_live_workers() w)
    $$;

--
-- Name: FUNCTION net_status(OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer); Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON FUNCTION pgcadence.net_status(OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer) IS 'Sender backlog: requests waiting, requests being sent, age of the oldest queued request, connected senders.';

--
-- Name: request_role(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.request_role() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    SELECT CASE
        WHEN pg_catalog.current_setting('role', true) IN ('anon', 'authenticated', 'service_role')
            THEN pg_catalog.current_setting('role', true)
        ELSE coalesce(nullif(auth.role(), ''), 'owner')
    END
$$;

--
-- Name: retry_after_seconds(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.retry_after_seconds(value text) RETURNS double precision
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.btrim(value) ~ '^\d{1,9}(\.\d+)?$' THEN
        RETURN pg_catalog.btrim(value)::double precision;
    END IF;
    RETURN GREATEST(0, extract(epoch FROM pg_catalog.btrim(value)::timestamptz - pg_catalog.now()));
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$_$;

--
-- Name: upstream_date(text); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.upstream_date(value text) RETURNS date
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
BEGIN
    IF value IS NULL OR value !~ '^\d{4}-\d{2}-\d{2}$' THEN
        RETURN NULL;
    END IF;
    RETURN value::date;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RETURN NULL;
END
$_$;

--
-- Name: access_credential(uuid, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.access_credential(p_id uuid, p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS TABLE(id uuid, user_id uuid, provider text, alias text, ciphertext bytea, key_fp text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    c public.stored_credentials;
BEGIN
    SELECT * INTO c FROM public.stored_credentials s WHERE s.id = p_id;
    IF NOT FOUND OR (pgcadence.request_role() NOT IN ('service_role', 'owner') AND c.user_id IS DISTINCT FROM auth.uid()) THEN
        -- the same answer for "absent" and "someone else's": existence is not disclosed
        RAISE EXCEPTION 'credential % not found', p_id USING ERRCODE = 'P0002';
    END IF;
    PERFORM public.log_audit('credentials_accessed', c.user_id, NULL, c.provider, c.id,
        coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object(
            'accessed_at', pg_catalog.to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'credential_alias', c.alias));
    RETURN QUERY SELECT c.id, c.user_id, c.provider, c.alias, c.ciphertext, c.key_fp;
END
$$;

--
-- Name: FUNCTION access_credential(p_id uuid, p_metadata jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.access_credential(p_id uuid, p_metadata jsonb) IS 'Sealed credential for its owner (authenticated) or service_role; writes credentials_accessed (credential_id, provider, metadata accessed_at + credential_alias, as seed 001).';

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
-- Name: cache_warm_plan(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cache_warm_plan(p_org_ref text DEFAULT NULL::text, p_category text DEFAULT NULL::text) RETURNS TABLE(org_ref text, category text, fresh boolean)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    WITH wanted AS (
        -- both given: exactly that pair, a target or not
        SELECT p_org_ref AS org_ref, p_category AS category
        WHERE p_org_ref IS NOT NULL AND p_category IS NOT NULL
        UNION ALL
        -- otherwise: the enabled targets matching what was given
        SELECT t.org_ref, t.category FROM public.cache_warm_targets t
        WHERE t.enabled AND NOT (p_org_ref IS NOT NULL AND p_category IS NOT NULL)
          AND (p_org_ref IS NULL OR t.org_ref = p_org_ref)
          AND (p_category IS NULL OR t.category = p_category)
    )
    SELECT w.org_ref, w.category,
           coalesce((SELECT cp.expires_at > now() FROM public.cached_programs cp
                     WHERE cp.org_ref = w.org_ref AND cp.category = w.category), false)
    FROM wanted w
    ORDER BY w.org_ref, w.category
$$;

--
-- Name: FUNCTION cache_warm_plan(p_org_ref text, p_category text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cache_warm_plan(p_org_ref text, p_category text) IS 'Targets of a warm-cache call: the given pair, else the enabled cache_warm_targets matching the filter; fresh = a cached_programs row that has not expired.';

--
-- Name: call_daily_refresh(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.call_daily_refresh() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT pgcadence.call_function('daily-refresh', '{}'::jsonb, 60000)
$$;

--
-- Name: FUNCTION call_daily_refresh(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.call_daily_refresh() IS 'POST to the daily-refresh function (enqueue up to 100 stale movies); returns the net request id.';

--
-- Name: call_job_queue_worker(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.call_job_queue_worker(max_jobs integer DEFAULT 10) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    endpoint text;
    secret text;
BEGIN
    IF max_jobs IS NULL OR max_jobs < 1 OR max_jobs > 100 THEN
        RAISE EXCEPTION 'max_jobs must be between 1 and 100, got %', max_jobs USING ERRCODE = '22023';
    END IF;
    IF (SELECT s.paused FROM pgcadence.job_queue_settings s) THEN
        RETURN NULL;  -- processing paused: no call at all
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.job_queue q
                    WHERE (q.status = 'pending' AND q.run_at <= pg_catalog.now())
                       OR (q.status = 'running' AND q.locked_until < pg_catalog.now())) THEN
        RETURN NULL;  -- nothing due: spare the endpoint a call every minute
    END IF;
    SELECT d.decrypted_secret INTO endpoint FROM vault.decrypted_secrets d WHERE d.name = 'job_queue_worker_endpoint';
    SELECT d.decrypted_secret INTO secret FROM vault.decrypted_secrets d WHERE d.name = 'job_queue_runner_secret';
    IF endpoint IS NULL OR secret IS NULL THEN
        RAISE EXCEPTION 'job queue trigger is not configured: Vault secret % is missing',
            CASE WHEN endpoint IS NULL THEN 'job_queue_worker_endpoint' ELSE 'job_queue_runner_secret' END
            USING HINT = 'pgcadence secrets set job_queue_worker_endpoint (e.g. http://127.0.0.1:54330/api/jobs/run) '
                         'and job_queue_runner_secret; pgcadence up does both for the embedded cluster';
    END IF;
    RETURN net.http_post(
        url := endpoint,
        body := pg_catalog.jsonb_build_object('limit', max_jobs),
        headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json',
                                                 'Authorization', 'Bearer ' || secret),
        timeout_milliseconds := 30000);
END
$$;

--
-- Name: FUNCTION call_job_queue_worker(max_jobs integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.call_job_queue_worker(max_jobs integer) IS 'Seed 002 worker trigger: POST {"limit": max_jobs} to Vault job_queue_worker_endpoint with Bearer job_queue_runner_secret. NULL when paused or nothing is due.';

--
-- Name: call_refresh_worker(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.call_refresh_worker() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT pgcadence.call_function('refresh-worker', '{}'::jsonb, 300000)
$$;

--
-- Name: FUNCTION call_refresh_worker(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.call_refresh_worker() IS 'POST to the refresh-worker function (claim and refresh up to 10 queued movies); returns the net request id.';

--
-- Name: call_scheduled_ingest(text, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.call_scheduled_ingest(source text DEFAULT 'mixed_daily'::text, limit_count integer DEFAULT 30, trigger text DEFAULT 'cron'::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM public.scheduled_ingest_plan(source, limit_count);  -- refuse a bad source or limit now, not in the executor
    IF trigger IS NULL OR trigger NOT IN ('cron', 'manual') THEN
        RAISE EXCEPTION 'trigger must be cron or manual (got %)', pg_catalog.left(trigger, 32) USING ERRCODE = '22023';
    END IF;
    RETURN pgcadence.call_function('scheduled-ingest',
        pg_catalog.jsonb_build_object('source', source, 'limit', limit_count, 'trigger', trigger), 300000);
END
$$;

--
-- Name: FUNCTION call_scheduled_ingest(source text, limit_count integer, trigger text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.call_scheduled_ingest(source text, limit_count integer, trigger text) IS 'POST {source, limit, trigger} to the scheduled-ingest function (net.http_post, service-role key from Vault); returns the net request id.';

--
-- Name: cleanup_expired_checkout_sessions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cleanup_expired_checkout_sessions() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM public.agentic_checkout_sessions WHERE expires_at <= now();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

--
-- Name: FUNCTION cleanup_expired_checkout_sessions(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cleanup_expired_checkout_sessions() IS 'Delete every checkout session past expires_at; returns the number deleted (seed 001).';

--
-- Name: create_cron_job(text, text, text, jsonb, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb DEFAULT '{}'::jsonb, max_attempts integer DEFAULT 3, timezone text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb, max_attempts integer, timezone text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb, max_attempts integer, timezone text) IS 'Create a cron job that enqueues task_type (a registered handler) with task_payload (a JSON object) and max_attempts into job_queue; optional IANA timezone. Returns the jobid. Admin only.';

--
-- Name: cron_health(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cron_health() RETURNS TABLE(check_name text, level text, detail text, data jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
DECLARE
    d jsonb;
    n bigint;
    oldest_id bigint;
    oldest timestamptz;
BEGIN
    PERFORM pgcadence.cron_require_admin('cron_health');

    -- active jobs whose latest run failed
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('job', x.jobname, 'at', x.start_time, 'message', pg_catalog.left(x.return_message, 200)) ORDER BY x.jobname)
      INTO d
      FROM (SELECT j.jobname, lr.start_time, lr.return_message, lr.status
              FROM cron.job j
              JOIN LATERAL (SELECT r.status, r.start_time, r.return_message FROM cron.job_run_details r
                             WHERE r.jobid = j.jobid ORDER BY r.jobid DESC, r.start_time DESC LIMIT 1) lr ON true
             WHERE j.active) x
     WHERE x.status = 'failed';
    check_name := 'last run failed'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'fail' END;
    detail := CASE WHEN d IS NULL THEN 'no active job''s latest run failed'
                   ELSE pg_catalog.jsonb_array_length(d) || ' job(s): ' || (SELECT pg_catalog.string_agg(e ->> 'job', ', ') FROM pg_catalog.jsonb_array_elements(d) e) END;
    RETURN NEXT;

    -- active jobs that have never run although a scheduled time has passed: since their
    -- creation (jobs created through pgcadence), or within the last day while the history
    -- shows pg_cron has been running here for longer than that (any other job)
    SELECT pg_catalog.jsonb_agg(j.jobname ORDER BY j.jobname) INTO d
      FROM cron.job j
      LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
     WHERE j.active AND NOT EXISTS (SELECT 1 FROM cron.job_run_details r WHERE r.jobid = j.jobid)
       AND CASE WHEN m.jobname IS NOT NULL
                THEN pgcadence.cron_next_run_safe(m.local_schedule, m.timezone, m.updated_at) < pg_catalog.now() - interval '2 minutes'
                ELSE pgcadence.cron_next_run_safe(j.schedule, NULL, pg_catalog.now() - interval '1 day') < pg_catalog.now() - interval '2 minutes'
                     AND EXISTS (SELECT 1 FROM cron.job_run_details r
                                 WHERE r.start_time < pg_catalog.now() - interval '1 day' - interval '1 hour')
           END;
    check_name := 'never ran'; data := coalesce(d, '[]');
    level := CASE WHEN d IS NULL THEN 'ok' ELSE 'warn' END;
    detail := CASE WHEN d IS NULL THEN 'no active job missed its first scheduled run'
                   ELSE pg_catalog.jsonb_array_length(d) || ' active job(s) past a scheduled time without any run: '
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
              FROM (-- runs of the last 24 h that took over a minute (start_time index)
                    SELECT d.jobid, d.runid, d.status, d.start_time, d.end_time FROM cron.job_run_details d
                     WHERE d.start_time > pg_catalog.now() - interval '24 hours'
                       AND coalesce(d.end_time, pg_catalog.now()) - d.start_time > interval '59 seconds'
                    UNION
                    -- a job's latest run still going after 10 minutes, however old ((jobid, start_time) index)
                    SELECT l.jobid, l.runid, l.status, l.start_time, l.end_time FROM cron.job jj
                      JOIN LATERAL (SELECT d.jobid, d.runid, d.status, d.start_time, d.end_time FROM cron.job_run_details d
                                     WHERE d.jobid = jj.jobid ORDER BY d.jobid DESC, d.start_time DESC LIMIT 1) l ON true
                     WHERE l.status IN ('starting', 'running') AND l.start_time < pg_catalog.now() - interval '10 minutes') r
              JOIN cron.job j ON j.jobid = r.jobid
              LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
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
        -- pg_net's queue has no timestamp: the oldest request is the lowest id (and its age
        -- when the table has a "created" column)
        EXECUTE 'SELECT count(*), min(id) FROM net.http_request_queue' INTO n, oldest_id;
        oldest := NULL;
        IF n > 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                             WHERE a.attrelid = 'net.http_request_queue'::regclass AND a.attname = 'created' AND NOT a.attisdropped) THEN
            EXECUTE 'SELECT min(created) FROM net.http_request_queue' INTO oldest;
        END IF;
        check_name := 'net queue backlog';
        data := pg_catalog.jsonb_build_object('pending', n, 'oldest_id', oldest_id, 'oldest', oldest);
        level := CASE WHEN n > 1000 OR oldest < pg_catalog.now() - interval '5 minutes' THEN 'warn' ELSE 'ok' END;
        detail := n || ' request(s) queued' || CASE WHEN oldest_id IS NULL THEN '' ELSE ', oldest id ' || oldest_id END
                  || CASE WHEN oldest IS NULL THEN '' ELSE ' since ' || oldest::text END;
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
$_$;

--
-- Name: FUNCTION cron_health(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cron_health() IS 'Cron health (seed 002 troubleshooting): failed last runs, never-run jobs, long/overlapping runs, net backlog and responses, history size and indexes, time-zone and handler checks. Admin only.';

--
-- Name: cron_history_cleanup(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cron_history_cleanup(keep interval DEFAULT NULL::interval) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION cron_history_cleanup(keep interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cron_history_cleanup(keep interval) IS 'Delete cron.job_run_details rows that started more than keep ago (default: set_cron_history_retention, 7 days). Returns the count. Admin only.';

--
-- Name: delete_cron_job(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.delete_cron_job(job_name text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION delete_cron_job(job_name text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.delete_cron_job(job_name text) IS 'Unschedule the cron job of that name. Admin only.';

--
-- Name: describe_cron_schedule(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.describe_cron_schedule(schedule text, timezone text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    tz text := pgcadence.cron_timezone(timezone);
BEGIN
    PERFORM pgcadence.cron_require_admin('describe_cron_schedule');
    RETURN pgcadence.cron_describe_spec(pgcadence.cron_parse(schedule))
           || CASE WHEN tz IS NULL THEN '' ELSE ' (' || tz || ')' END;
END
$$;

--
-- Name: FUNCTION describe_cron_schedule(schedule text, timezone text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.describe_cron_schedule(schedule text, timezone text) IS 'Plain English for a 5-field cron expression ("0 * * * *" -> "Hourly at minute 0"); raises 22023 naming the bad field. Admin only.';

--
-- Name: enqueue_stale_movies(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.enqueue_stale_movies(limit_count integer DEFAULT 100) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    jobs jsonb;
    n integer := 0;
    result jsonb;
BEGIN
    IF limit_count IS NULL OR limit_count < 1 OR limit_count > 10000 THEN
        RAISE EXCEPTION 'enqueue_stale_movies: limit_count must be between 1 and 10000 (got %)', limit_count
            USING ERRCODE = '22023';
    END IF;
    -- one enqueuer at a time: two overlapping runs would pick the same movies
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgcadence.enqueue_stale_movies'));
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'task_type', 'refresh_movie',
               'payload', pg_catalog.jsonb_build_object('tmdb_id', s.tmdb_id),
               'max_attempts', 3,
               'priority', public.movie_refresh_priority(s.popularity),
               'dedupe_key', 'refresh_movie:' || s.tmdb_id) ORDER BY s.stale_at, s.tmdb_id)
      INTO jobs
      FROM (SELECT m.tmdb_id, m.popularity, m.stale_at
              FROM public.movies m
             WHERE m.stale_at <= pg_catalog.now()
               AND NOT EXISTS (SELECT 1 FROM public.job_queue j
                                WHERE j.dedupe_key = 'refresh_movie:' || m.tmdb_id
                                  AND j.status IN ('pending', 'running'))
             ORDER BY m.stale_at, m.tmdb_id
             LIMIT limit_count) s;
    IF jobs IS NOT NULL THEN
        SELECT pg_catalog.count(*) INTO n FROM public.job_queue_enqueue_batch(jobs);
    END IF;
    result := pg_catalog.jsonb_build_object('enqueued', n, 'limit', limit_count,
        'queued', (SELECT pg_catalog.count(*) FROM public.job_queue j
                    WHERE j.task_type = 'refresh_movie' AND j.status IN ('pending', 'running')));
    INSERT INTO public.sync_state AS s (sync_name, last_sync_at, last_result, updated_at)
    VALUES ('daily_refresh', pg_catalog.now(), result, pg_catalog.now())
    ON CONFLICT (sync_name) DO UPDATE SET last_sync_at = EXCLUDED.last_sync_at, last_result = EXCLUDED.last_result,
                                          updated_at = EXCLUDED.updated_at;
    RETURN result;
END
$$;

--
-- Name: FUNCTION enqueue_stale_movies(limit_count integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.enqueue_stale_movies(limit_count integer) IS 'daily-refresh: queue up to limit_count stale movies (stalest first, none already queued) as refresh_movie jobs; updates sync_state.';

--
-- Name: game_platform_competitors_to_sweep(integer, uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_platform_competitors_to_sweep(limit_count integer DEFAULT 100, coach_id uuid DEFAULT NULL::uuid) RETURNS TABLE(id uuid, external_id text, coach_id uuid, last_activity_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT c.id, c.external_id, c.coach_id, c.last_activity_at
      FROM public.competitors c
     WHERE c.needs_totals_refresh
       AND (game_platform_competitors_to_sweep.coach_id IS NULL OR c.coach_id = game_platform_competitors_to_sweep.coach_id)
     ORDER BY c.last_activity_at NULLS FIRST, c.id
     LIMIT GREATEST(COALESCE(limit_count, 100), 0)
$$;

--
-- Name: FUNCTION game_platform_competitors_to_sweep(limit_count integer, coach_id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.game_platform_competitors_to_sweep(limit_count integer, coach_id uuid) IS 'Up to limit_count competitors flagged needs_totals_refresh (optionally one coach''s), oldest activity first.';

--
-- Name: game_platform_config(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_platform_config(OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
DECLARE
    s pgcadence.game_platform_settings;
BEGIN
    SELECT * INTO s FROM pgcadence.game_platform_settings;
    base_url := s.base_url;
    IF base_url IS NULL THEN
        SELECT ds.decrypted_secret INTO base_url FROM vault.decrypted_secrets ds WHERE ds.name = 'game_platform_base_url';
    END IF;
    IF base_url IS NULL OR base_url !~ '^https?://[^\s]+$' THEN
        RAISE EXCEPTION 'the game platform base URL is not configured'
            USING ERRCODE = 'P0002',
                  HINT = 'select game_platform_configure(base_url => ''https://...''), or store it in Vault as game_platform_base_url';
    END IF;
    base_url := pg_catalog.rtrim(base_url, '/');
    SELECT ds.decrypted_secret INTO api_key FROM vault.decrypted_secrets ds WHERE ds.name = s.api_key_secret;
    timeout_ms := s.timeout_ms;
    sweep_batch := s.sweep_batch;
END
$_$;

--
-- Name: FUNCTION game_platform_config(OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.game_platform_config(OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer) IS 'For the runner: game platform base URL (settings, else Vault game_platform_base_url), API key (Vault, may be NULL), timeout_ms, sweep_batch.';

--
-- Name: game_platform_configure(text, integer, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_platform_configure(base_url text DEFAULT NULL::text, timeout_ms integer DEFAULT NULL::integer, sweep_batch integer DEFAULT NULL::integer, api_key_secret text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.game_platform_settings s SET
        base_url = COALESCE(game_platform_configure.base_url, s.base_url),
        timeout_ms = COALESCE(game_platform_configure.timeout_ms, s.timeout_ms),
        sweep_batch = COALESCE(game_platform_configure.sweep_batch, s.sweep_batch),
        api_key_secret = COALESCE(game_platform_configure.api_key_secret, s.api_key_secret),
        updated_at = pg_catalog.now()
    RETURNING pg_catalog.to_jsonb(s) - 'id'
$$;

--
-- Name: FUNCTION game_platform_configure(base_url text, timeout_ms integer, sweep_batch integer, api_key_secret text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.game_platform_configure(base_url text, timeout_ms integer, sweep_batch integer, api_key_secret text) IS 'Set the game platform upstream: base_url, timeout_ms, sweep_batch, Vault secret name of the API key.';

--
-- Name: game_platform_record_activity(jsonb, uuid, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_platform_record_activity(activities jsonb, coach_id uuid DEFAULT NULL::uuid, dry_run boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    v_scope text := pgcadence.game_platform_scope(coach_id);
    v_after bigint;
    v_next bigint;
    v_fetched integer;
    v_new integer;
    v_flagged integer;
    v_errors jsonb;
    v_summary jsonb;
BEGIN
    IF activities IS NULL OR pg_catalog.jsonb_typeof(activities) <> 'array' THEN
        RAISE EXCEPTION 'activities must be a JSON array, got %', COALESCE(pg_catalog.jsonb_typeof(activities), 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF NOT dry_run THEN
        INSERT INTO public.game_platform_sync_state (scope) VALUES (v_scope) ON CONFLICT (scope) DO NOTHING;
        SELECT s.after_time_unix INTO v_after FROM public.game_platform_sync_state s WHERE s.scope = v_scope FOR UPDATE;
    ELSE
        v_after := public.game_platform_sync_window(coach_id);
    END IF;

    IF pg_catalog.to_regclass('pg_temp.gp_batch') IS NULL THEN
        CREATE TEMP TABLE gp_batch (
            ord integer, external_id text, competitor_ext text, occurred_unix bigint, points jsonb,
            competitor uuid, error text, is_new boolean
        ) ON COMMIT DROP;
    END IF;
    TRUNCATE pg_temp.gp_batch;

    INSERT INTO pg_temp.gp_batch (ord, external_id, competitor_ext, occurred_unix, points, error)
    SELECT e.ord::integer, e.v ->> 'id', e.v ->> 'competitor_id',
           CASE WHEN pg_catalog.jsonb_typeof(e.v -> 'occurred_at') = 'number'
                THEN pg_catalog.floor((e.v ->> 'occurred_at')::numeric)::bigint END,
           CASE WHEN pg_catalog.jsonb_typeof(e.v -> 'points') = 'object' THEN e.v -> 'points' ELSE '{}'::jsonb END,
           CASE WHEN pg_catalog.jsonb_typeof(e.v) <> 'object' THEN 'not an object'
                WHEN COALESCE(e.v ->> 'id', '') = '' THEN 'missing id'
                WHEN COALESCE(e.v ->> 'competitor_id', '') = '' THEN 'missing competitor_id'
                WHEN pg_catalog.jsonb_typeof(e.v -> 'occurred_at') IS DISTINCT FROM 'number'
                     OR (e.v ->> 'occurred_at')::numeric < 0 THEN 'occurred_at must be unix seconds' END
      FROM pg_catalog.jsonb_array_elements(activities) WITH ORDINALITY AS e(v, ord);

    UPDATE pg_temp.gp_batch b SET competitor = c.id
      FROM public.competitors c
     WHERE b.error IS NULL AND c.external_id = b.competitor_ext
       AND (game_platform_record_activity.coach_id IS NULL OR c.coach_id = game_platform_record_activity.coach_id);
    UPDATE pg_temp.gp_batch b SET error = 'unknown competitor ' || b.competitor_ext
     WHERE b.error IS NULL AND b.competitor IS NULL;
    -- new: not stored yet, and the first of its id in this batch
    UPDATE pg_temp.gp_batch b SET is_new = true
     WHERE b.error IS NULL
       AND NOT EXISTS (SELECT 1 FROM public.game_platform_activity a WHERE a.external_id = b.external_id)
       AND b.ord = (SELECT min(b2.ord) FROM pg_temp.gp_batch b2 WHERE b2.external_id = b.external_id AND b2.error IS NULL);

    SELECT pg_catalog.jsonb_array_length(activities),
           count(*) FILTER (WHERE b.is_new),
           count(DISTINCT b.competitor) FILTER (WHERE b.is_new),
           GREATEST(v_after, COALESCE(max(b.occurred_unix) FILTER (WHERE b.occurred_unix IS NOT NULL
                                                                     AND b.error IS DISTINCT FROM 'occurred_at must be unix seconds'), 0)),
           COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('index', b.ord - 1, 'id', b.external_id, 'error', b.error)
                                         ORDER BY b.ord) FILTER (WHERE b.error IS NOT NULL), '[]'::jsonb)
      INTO v_fetched, v_new, v_flagged, v_next, v_errors
      FROM pg_temp.gp_batch b;
    v_fetched := COALESCE(v_fetched, 0);

    IF NOT dry_run THEN
        INSERT INTO public.game_platform_activity (competitor_id, external_id, occurred_at, points)
        SELECT b.competitor, b.external_id, pg_catalog.to_timestamp(b.occurred_unix), b.points
          FROM pg_temp.gp_batch b WHERE b.is_new
        ON CONFLICT (external_id) DO NOTHING;
        UPDATE public.competitors c
           SET needs_totals_refresh = true,
               last_activity_at = GREATEST(c.last_activity_at, n.latest),
               updated_at = pg_catalog.now()
          FROM (SELECT b.competitor, pg_catalog.to_timestamp(max(b.occurred_unix)) AS latest
                  FROM pg_temp.gp_batch b WHERE b.is_new GROUP BY b.competitor) n
         WHERE c.id = n.competitor;
    END IF;

    v_summary := pg_catalog.jsonb_build_object(
        'fetched', v_fetched, 'new_activities', v_new, 'flagged', v_flagged, 'dry_run', dry_run,
        'errors', v_errors, 'scope', v_scope, 'after_time_unix', v_after,
        'next_after_time_unix', CASE WHEN dry_run THEN v_after ELSE v_next END);
    IF NOT dry_run THEN
        UPDATE public.game_platform_sync_state s
           SET after_time_unix = v_next, last_synced_at = pg_catalog.now(), last_result = v_summary,
               updated_at = pg_catalog.now()
         WHERE s.scope = v_scope;
    END IF;
    TRUNCATE pg_temp.gp_batch;
    RETURN v_summary;
END
$$;

--
-- Name: FUNCTION game_platform_record_activity(activities jsonb, coach_id uuid, dry_run boolean); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.game_platform_record_activity(activities jsonb, coach_id uuid, dry_run boolean) IS 'Record fetched activity ([{id, competitor_id, occurred_at (unix s), points}]): upsert new ones, set needs_totals_refresh on their competitors, advance after_time_unix; dry_run writes nothing. Returns {fetched, new_activities, flagged, dry_run, errors, scope, after_time_unix, next_after_time_unix}.';

--
-- Name: game_platform_store_totals(uuid, jsonb, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_platform_store_totals(competitor_id uuid, totals jsonb, seen_last_activity_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    v_cleared boolean;
BEGIN
    IF totals IS NULL OR pg_catalog.jsonb_typeof(totals) <> 'object' THEN
        RAISE EXCEPTION 'totals must be a JSON object' USING ERRCODE = '22023';
    END IF;
    UPDATE public.competitors c
       SET totals = game_platform_store_totals.totals,
           totals_refreshed_at = pg_catalog.now(),
           needs_totals_refresh = c.needs_totals_refresh
                                  AND seen_last_activity_at IS NOT NULL
                                  AND c.last_activity_at > seen_last_activity_at,
           updated_at = pg_catalog.now()
     WHERE c.id = game_platform_store_totals.competitor_id
    RETURNING NOT c.needs_totals_refresh INTO v_cleared;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no competitor %', competitor_id USING ERRCODE = 'P0002';
    END IF;
    RETURN v_cleared;
END
$$;

--
-- Name: FUNCTION game_platform_store_totals(competitor_id uuid, totals jsonb, seen_last_activity_at timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.game_platform_store_totals(competitor_id uuid, totals jsonb, seen_last_activity_at timestamp with time zone) IS 'Store a competitor''s fresh totals and clear needs_totals_refresh (kept when newer activity arrived after seen_last_activity_at). Returns whether the flag is now clear.';

--
-- Name: game_platform_sync_window(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_platform_sync_window(coach_id uuid DEFAULT NULL::uuid) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT COALESCE((SELECT s.after_time_unix FROM public.game_platform_sync_state s
                      WHERE s.scope = pgcadence.game_platform_scope(game_platform_sync_window.coach_id)), 0)
$$;

--
-- Name: FUNCTION game_platform_sync_window(coach_id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.game_platform_sync_window(coach_id uuid) IS 'after_time_unix for the next incremental sync of a scope (NULL coach: all coaches); 0 before the first run.';

--
-- Name: get_cron_job_runs(integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_cron_job_runs(limit_count integer DEFAULT 50, job_name text DEFAULT NULL::text) RETURNS TABLE(runid bigint, jobid bigint, jobname text, status text, return_message text, start_time timestamp with time zone, end_time timestamp with time zone, duration_ms numeric, job_pid integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
        ORDER BY d.jobid DESC, d.start_time DESC LIMIT limit_count;
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

--
-- Name: FUNCTION get_cron_job_runs(limit_count integer, job_name text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_cron_job_runs(limit_count integer, job_name text) IS 'Latest runs (default 50, at most 1000) from cron.job_run_details joined to job names; job_name limits to one job. Admin only.';

--
-- Name: get_cron_jobs(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_cron_jobs() RETURNS TABLE(jobid bigint, jobname text, schedule text, command text, database text, username text, active boolean, timezone text, cron_schedule text, description text, task_type text, payload jsonb, max_attempts integer, last_run_status text, last_run_started_at timestamp with time zone, last_run_finished_at timestamp with time zone, next_run_at timestamp with time zone, recent_failures bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
           coalesce(f.failures, 0)
    FROM cron.job j
    LEFT JOIN pgcadence.cron_job_meta m ON m.jobname = j.jobname
    -- ordered by (jobid, start_time): only the (jobid, start_time) index gives that order
    LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.end_time FROM cron.job_run_details d
                       WHERE d.jobid = j.jobid ORDER BY d.jobid DESC, d.start_time DESC LIMIT 1) lr ON true
    -- one pass over the last 24 hours (start_time index) for every job's failures
    LEFT JOIN (SELECT d.jobid, pg_catalog.count(*) AS failures FROM cron.job_run_details d
               WHERE d.start_time > pg_catalog.now() - interval '24 hours' AND d.status = 'failed'
               GROUP BY d.jobid) f ON f.jobid = j.jobid
    ORDER BY j.jobname, j.jobid;
END
$$;

--
-- Name: FUNCTION get_cron_jobs(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_cron_jobs() IS 'Every cron job: schedule (local when timezone is set), command, active, plain-English description, last run, next run (UTC), failures in the last 24 h. Admin only.';

--
-- Name: get_service_role_key(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_service_role_key() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
        DECLARE
            v text;
        BEGIN
            SELECT ds.decrypted_secret INTO v FROM vault.decrypted_secrets AS ds WHERE ds.name = 'service_role_key';
            v := coalesce(nullif(v, ''),
                                     nullif(pg_catalog.current_setting('app.settings.service_role_key', true), ''));
            IF v IS NULL THEN
                RAISE EXCEPTION 'service role key is not configured: store Vault secret service_role_key or set app.settings.service_role_key'
                    USING HINT = 'store it in Vault: select vault.create_secret(''<key>'', ''service_role_key''); '
                                 '(or pgcadence secrets set service_role_key), or ALTER DATABASE ... SET app.settings.service_role_key = ''<key>''',
                          ERRCODE = 'P0002';
            END IF;
            RETURN v;
        END
        $$;

--
-- Name: FUNCTION get_service_role_key(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_service_role_key() IS 'Service-role key: Vault secret service_role_key, else setting app.settings.service_role_key (seed 003 helper).';

--
-- Name: get_stale_movies(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_stale_movies(limit_count integer DEFAULT 100) RETURNS TABLE(tmdb_id bigint, title text, release_date date, popularity double precision, last_refreshed_at timestamp with time zone, stale_at timestamp with time zone)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
BEGIN
    IF limit_count IS NULL OR limit_count < 1 OR limit_count > 10000 THEN
        RAISE EXCEPTION 'get_stale_movies: limit_count must be between 1 and 10000 (got %)', limit_count
            USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT m.tmdb_id, m.title, m.release_date, m.popularity, m.last_refreshed_at, m.stale_at
      FROM public.movies m
     WHERE m.stale_at <= pg_catalog.now()
     ORDER BY m.stale_at, m.tmdb_id
     LIMIT limit_count;
END
$$;

--
-- Name: FUNCTION get_stale_movies(limit_count integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_stale_movies(limit_count integer) IS 'Up to limit_count stale movies, stalest first (never refreshed, then most overdue). Uses the stale_at index.';

--
-- Name: get_supabase_url(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_supabase_url() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
        DECLARE
            v text;
        BEGIN
            SELECT ds.decrypted_secret INTO v FROM vault.decrypted_secrets AS ds WHERE ds.name = 'project_url';
            v := coalesce(nullif(v, ''),
                                     nullif(pg_catalog.current_setting('app.settings.supabase_url', true), ''));
            IF v IS NULL THEN
                RAISE EXCEPTION 'project URL is not configured: store Vault secret project_url or set app.settings.supabase_url'
                    USING HINT = 'store it in Vault: select vault.create_secret(''<url>'', ''project_url''); '
                                 '(or pgcadence secrets set project_url), or ALTER DATABASE ... SET app.settings.supabase_url = ''<url>''',
                          ERRCODE = 'P0002';
            END IF;
            RETURN v;
        END
        $$;

--
-- Name: FUNCTION get_supabase_url(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_supabase_url() IS 'Project URL: Vault secret project_url, else setting app.settings.supabase_url (seed 003 helper).';

--
-- Name: ingest_movie_list(jsonb, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ingest_movie_list(results jsonb, limit_count integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
DECLARE
    r record;
    ids bigint[] := '{}';
    n_ins integer := 0;
    n_upd integer := 0;
BEGIN
    IF results IS NULL OR pg_catalog.jsonb_typeof(results) <> 'array' THEN
        RAISE EXCEPTION 'ingest_movie_list: results must be a JSON array of movie objects' USING ERRCODE = '22023';
    END IF;
    FOR r IN
        SELECT d.doc FROM (
            SELECT DISTINCT ON ((e.doc ->> 'id')) e.doc, e.ord
              FROM pg_catalog.jsonb_array_elements(results) WITH ORDINALITY AS e(doc, ord)
             WHERE pg_catalog.jsonb_typeof(e.doc) = 'object' AND (e.doc ->> 'id') ~ '^[1-9]\d{0,17}$'
             ORDER BY (e.doc ->> 'id'), e.ord) d
         ORDER BY d.ord
         LIMIT limit_count
    LOOP
        IF public.upsert_movie(r.doc, false) = 'inserted' THEN
            n_ins := n_ins + 1;
        ELSE
            n_upd := n_upd + 1;
        END IF;
        ids := ids || (r.doc ->> 'id')::bigint;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('ids', pg_catalog.to_jsonb(ids), 'fetched', pg_catalog.cardinality(ids),
                                         'inserted', n_ins, 'updated', n_upd);
END
$_$;

--
-- Name: FUNCTION ingest_movie_list(results jsonb, limit_count integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.ingest_movie_list(results jsonb, limit_count integer) IS 'scheduled-ingest: upsert list results de-duplicated by id (first occurrence wins), up to limit_count; returns ids and counts.';

--
-- Name: is_admin_user(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_admin_user() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
            SELECT EXISTS (
                SELECT 1 FROM public.profiles p
                WHERE p.id = auth.uid() AND p.role = 'admin'
            )
        $$;

--
-- Name: FUNCTION is_admin_user(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.is_admin_user() IS 'True when the requesting user (auth.uid()) has profiles.role = ''admin''.';

--
-- Name: movie_stale_at(date, double precision, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN gone_at IS NOT NULL THEN NULL::timestamptz
                WHEN last_refreshed_at IS NULL THEN '1900-01-01 00:00:00+00'::timestamptz
                ELSE ((last_refreshed_at AT TIME ZONE 'UTC')
                      + public.movie_refresh_interval(release_date, popularity, (last_refreshed_at AT TIME ZONE 'UTC')::date))
                     AT TIME ZONE 'UTC'  -- in UTC: the same instant whatever the session's TimeZone
           END
$$;

--
-- Name: FUNCTION movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone) IS 'When a movie becomes stale under the staleness rule (1900-01-01: never refreshed; NULL: gone upstream, never stale).';

--
-- Name: movies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.movies (
    tmdb_id bigint NOT NULL,
    title text DEFAULT ''::text NOT NULL,
    release_date date,
    popularity double precision DEFAULT 0 NOT NULL,
    data jsonb DEFAULT '{}'::jsonb NOT NULL,
    last_refreshed_at timestamp with time zone,
    gone_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    stale_at timestamp with time zone GENERATED ALWAYS AS (public.movie_stale_at(release_date, popularity, last_refreshed_at, gone_at)) STORED,
    gone boolean GENERATED ALWAYS AS ((gone_at IS NOT NULL)) STORED NOT NULL,
    CONSTRAINT movies_data_check CHECK ((jsonb_typeof(data) = 'object'::text)),
    CONSTRAINT movies_popularity_check CHECK ((popularity >= (0)::double precision)),
    CONSTRAINT movies_tmdb_id_check CHECK ((tmdb_id > 0))
);

--
-- Name: TABLE movies; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.movies IS 'Movies keyed by the upstream (TMDB) id; data is the upstream document. Written by the ingest functions (service_role); authenticated users may read.';

--
-- Name: COLUMN movies.last_refreshed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.movies.last_refreshed_at IS 'When the full document was last fetched (ingest-movie); NULL: only seen in a list so far.';

--
-- Name: COLUMN movies.gone_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.movies.gone_at IS 'When the upstream answered 404 for this id; such a movie is never stale again until it reappears.';

--
-- Name: COLUMN movies.stale_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.movies.stale_at IS 'When this movie becomes stale (generated: movie_stale_at(); NULL: gone, never stale); indexed, so the stalest are a range scan.';

--
-- Name: COLUMN movies.gone; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.movies.gone IS 'The upstream answered 404 (generated from gone_at).';

--
-- Name: is_stale(public.movies); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_stale(movie public.movies) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    SELECT COALESCE(movie.stale_at <= pg_catalog.now(), false)
$$;

--
-- Name: FUNCTION is_stale(movie public.movies); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.is_stale(movie public.movies) IS 'True when the movie is due for a refresh now (its stale_at has passed).';

--
-- Name: is_stale(date, double precision, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone DEFAULT now()) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    SELECT COALESCE(public.movie_stale_at(release_date, popularity, last_refreshed_at) <= COALESCE(at_time, pg_catalog.now()), false)
$$;

--
-- Name: FUNCTION is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone) IS 'Staleness rule: true when a movie of this release date and popularity last refreshed then is due for a refresh at at_time.';

--
-- Name: job_queue_cancel(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_cancel(id uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    j public.job_queue;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_cancel');
    SELECT * INTO j FROM public.job_queue q WHERE q.id = job_queue_cancel.id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_cancel', id);
    END IF;
    IF j.status NOT IN ('pending', 'running') THEN
        RAISE EXCEPTION 'job_queue_cancel: job % is already %', id, j.status USING ERRCODE = '55000';
    END IF;
    IF j.status = 'running' THEN
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        VALUES (j.id, j.attempts, j.locked_by, j.started_at, 'cancelled', 'cancelled while running');
    END IF;
    UPDATE public.job_queue q SET status = 'cancelled', finished_at = pg_catalog.now(), locked_until = NULL,
                                  updated_at = pg_catalog.now()
    WHERE q.id = j.id;
    RETURN 'cancelled';
END
$$;

--
-- Name: FUNCTION job_queue_cancel(id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_cancel(id uuid) IS 'Admin: cancel a pending or running job.';

--
-- Name: job_queue_claim(integer, text, interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_claim(batch_size integer DEFAULT 10, worker_id text DEFAULT NULL::text, lease interval DEFAULT '00:05:00'::interval) RETURNS TABLE(id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer, locked_until timestamp with time zone, priority integer, run_at timestamp with time zone, created_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'job_queue_claim: batch_size must be between 1 and 10000 (got %)', batch_size USING ERRCODE = '22023';
    END IF;
    IF worker_id IS NULL OR worker_id = '' THEN
        RAISE EXCEPTION 'job_queue_claim: worker_id is required' USING ERRCODE = '22023';
    END IF;
    IF lease IS NULL OR lease <= '0' THEN
        RAISE EXCEPTION 'job_queue_claim: lease must be positive (got %)', lease USING ERRCODE = '22023';
    END IF;
    IF (SELECT s.paused FROM pgcadence.job_queue_settings s) THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH picked AS (
        SELECT x.* FROM (
            SELECT j.id, j.status, j.attempts, j.max_attempts, j.locked_by, j.started_at, j.locked_until
            FROM public.job_queue j
            WHERE j.status = 'running' AND j.locked_until < pg_catalog.now()
            ORDER BY j.locked_until
            LIMIT batch_size
            FOR UPDATE SKIP LOCKED
        ) x
        UNION ALL
        SELECT y.* FROM (
            SELECT j.id, j.status, j.attempts, j.max_attempts, j.locked_by, j.started_at, j.locked_until
            FROM public.job_queue j
            WHERE j.status = 'pending' AND j.run_at <= pg_catalog.now()
            ORDER BY j.priority DESC, j.run_at
            LIMIT batch_size
            FOR UPDATE SKIP LOCKED
        ) y
        LIMIT batch_size
    ), lost AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT p.id, p.attempts, p.locked_by, p.started_at, 'lease_expired',
               'lease expired at ' || p.locked_until || ' (worker stopped without finishing)'
        FROM picked p WHERE p.status = 'running'
    ), claimed AS (
        UPDATE public.job_queue q SET
            status = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN 'failed' ELSE 'running' END,
            attempts = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN q.attempts ELSE q.attempts + 1 END,
            last_error = CASE WHEN p.status = 'running' THEN 'lease expired on attempt ' || q.attempts ELSE q.last_error END,
            finished_at = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN pg_catalog.now() END,
            locked_by = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN q.locked_by ELSE worker_id END,
            locked_until = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN NULL ELSE pg_catalog.now() + lease END,
            started_at = CASE WHEN p.status = 'running' AND p.attempts >= p.max_attempts THEN q.started_at ELSE pg_catalog.now() END,
            updated_at = pg_catalog.now()
        FROM picked p
        WHERE q.id = p.id
        RETURNING q.id, q.task_type, q.payload, q.attempts, q.max_attempts, q.locked_until, q.priority,
                  q.run_at, q.created_at, q.status
    )
    SELECT c.id, c.task_type, c.payload, c.attempts, c.max_attempts, c.locked_until, c.priority, c.run_at, c.created_at
    FROM claimed c WHERE c.status = 'running';
END
$$;

--
-- Name: FUNCTION job_queue_claim(batch_size integer, worker_id text, lease interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_claim(batch_size integer, worker_id text, lease interval) IS 'Claim up to batch_size due jobs for worker_id (lease: how long before others may take them back). Nothing while paused. Returns attempt: pass it to complete/fail/heartbeat.';

--
-- Name: job_queue_cleanup(interval, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_cleanup(retain interval DEFAULT '14 days'::interval, statuses text[] DEFAULT '{succeeded}'::text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    bad text;
    n bigint;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_cleanup');
    IF retain IS NULL OR retain < '0' THEN
        RAISE EXCEPTION 'job_queue_cleanup: retain must be a non-negative interval (got %)', retain USING ERRCODE = '22023';
    END IF;
    SELECT s INTO bad FROM pg_catalog.unnest(statuses) s
    WHERE s IS NULL OR s NOT IN ('succeeded', 'failed', 'cancelled') LIMIT 1;
    IF FOUND OR statuses IS NULL THEN
        RAISE EXCEPTION 'job_queue_cleanup: unknown or unfinished status "%" (expected succeeded, failed, cancelled)', bad
            USING ERRCODE = '22023';
    END IF;
    WITH gone AS (
        DELETE FROM public.job_queue q
        WHERE q.status = ANY (statuses) AND q.finished_at < pg_catalog.now() - retain
        RETURNING q.id
    ), hist AS (
        DELETE FROM public.job_queue_attempt_log a USING gone g WHERE a.job_id = g.id
    )
    SELECT pg_catalog.count(*) INTO n FROM gone;
    RETURN n;
END
$$;

--
-- Name: FUNCTION job_queue_cleanup(retain interval, statuses text[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) IS 'Delete jobs in statuses (default succeeded) finished more than retain ago (default 14 days), with their attempts. Returns the count.';

--
-- Name: job_queue_complete(uuid, jsonb, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_complete(id uuid, result jsonb DEFAULT NULL::jsonb, attempt integer DEFAULT NULL::integer) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH done AS (
        UPDATE public.job_queue q SET status = 'succeeded', result = job_queue_complete.result,
               finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
        WHERE q.id = job_queue_complete.id AND q.locked_until IS NOT NULL
          AND (job_queue_complete.attempt IS NULL OR q.attempts = job_queue_complete.attempt)
        RETURNING q.id
    )
    SELECT EXISTS (SELECT 1 FROM done)
$$;

--
-- Name: FUNCTION job_queue_complete(id uuid, result jsonb, attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_complete(id uuid, result jsonb, attempt integer) IS 'Mark a running job succeeded and keep result. Pass the claimed attempt to fence out a worker whose lease was lost. Returns whether it applied.';

--
-- Name: job_queue_complete_and_claim(uuid[], integer[], integer, text, interval, jsonb[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer DEFAULT 10, worker_id text DEFAULT NULL::text, lease interval DEFAULT '00:05:00'::interval, results jsonb[] DEFAULT NULL::jsonb[]) RETURNS TABLE(id uuid, task_type text, payload jsonb, attempt integer, max_attempts integer, locked_until timestamp with time zone, priority integer, run_at timestamp with time zone, created_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    IF pg_catalog.cardinality(ids) > 0 THEN
        PERFORM public.job_queue_complete_batch(ids, attempts, results);
    END IF;
    RETURN QUERY SELECT * FROM public.job_queue_claim(batch_size, worker_id, lease);
END
$$;

--
-- Name: FUNCTION job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer, worker_id text, lease interval, results jsonb[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer, worker_id text, lease interval, results jsonb[]) IS 'job_queue_complete_batch(ids, attempts, results) then job_queue_claim(batch_size, worker_id, lease), in one transaction.';

--
-- Name: job_queue_complete_batch(uuid[], integer[], jsonb[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[] DEFAULT NULL::jsonb[]) RETURNS SETOF uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH input AS (
        SELECT t.id, t.attempt, t.result FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(attempts), pg_catalog.unnest(results)) AS t(id, attempt, result)
    ), done AS (
        UPDATE public.job_queue q SET status = 'succeeded', result = i.result,
               finished_at = pg_catalog.now(), updated_at = pg_catalog.now(), locked_until = NULL
        FROM input i
        WHERE q.id = i.id AND q.locked_until IS NOT NULL AND q.attempts = i.attempt
        RETURNING q.id
    )
    SELECT d.id FROM done d
$$;

--
-- Name: FUNCTION job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]) IS 'Mark many running jobs succeeded in one statement (ids[i] claimed as attempts[i]); returns the ids that applied.';

--
-- Name: job_queue_enqueue(text, jsonb, timestamp with time zone, integer, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_enqueue(task_type text, payload jsonb DEFAULT '{}'::jsonb, run_at timestamp with time zone DEFAULT NULL::timestamp with time zone, max_attempts integer DEFAULT 3, priority integer DEFAULT 0, dedupe_key text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
DECLARE
    new_id uuid;
    existing uuid;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_enqueue');
    PERFORM pgcadence.job_queue_check('job_queue_enqueue', task_type, payload, max_attempts,
                                      (SELECT s.max_payload_bytes FROM pgcadence.job_queue_settings s));
    INSERT INTO public.job_queue AS q (task_type, payload, run_at, max_attempts, priority, dedupe_key)
    VALUES (task_type, COALESCE(payload, '{}'), COALESCE(run_at, pg_catalog.now()),
            COALESCE(max_attempts, 3), COALESCE(priority, 0), dedupe_key)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
    RETURNING q.id INTO new_id;
    IF new_id IS NULL THEN
        SELECT q.id INTO existing FROM public.job_queue q
        WHERE q.dedupe_key = job_queue_enqueue.dedupe_key AND q.status IN ('pending', 'running');
        RAISE EXCEPTION 'job_queue_enqueue: a pending or running job with dedupe_key "%" already exists (id %)',
            dedupe_key, existing USING ERRCODE = '23505';
    END IF;
    RETURN new_id;
END
$$;

--
-- Name: FUNCTION job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) IS 'Add a job (pending at run_at, default now). payload: a JSON object of at most max_payload_bytes (256 KiB). Returns the id.';

--
-- Name: job_queue_enqueue_batch(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_enqueue_batch(jobs jsonb) RETURNS SETOF uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    max_payload integer := (SELECT s.max_payload_bytes FROM pgcadence.job_queue_settings s);
    j record;
    wanted integer;
    ids uuid[];
    dup text;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_enqueue_batch');
    IF jobs IS NULL OR pg_catalog.jsonb_typeof(jobs) <> 'array' THEN
        RAISE EXCEPTION 'job_queue_enqueue_batch: jobs must be a JSON array of objects' USING ERRCODE = '22023';
    END IF;
    FOR j IN SELECT e.value AS v, e.ordinality AS n FROM pg_catalog.jsonb_array_elements(jobs) WITH ORDINALITY e LOOP
        IF pg_catalog.jsonb_typeof(j.v) <> 'object' THEN
            RAISE EXCEPTION 'job_queue_enqueue_batch: element % is not an object', j.n USING ERRCODE = '22023';
        END IF;
        IF j.v ? 'max_attempts' AND pg_catalog.jsonb_typeof(j.v -> 'max_attempts') <> 'number' THEN
            RAISE EXCEPTION 'job_queue_enqueue_batch: element %: max_attempts must be a number', j.n USING ERRCODE = '22023';
        END IF;
        PERFORM pgcadence.job_queue_check('job_queue_enqueue_batch (element ' || j.n || ')',
                                          j.v ->> 'task_type', j.v -> 'payload', (j.v ->> 'max_attempts')::integer, max_payload);
    END LOOP;
    wanted := pg_catalog.jsonb_array_length(jobs);
    WITH ins AS (
        INSERT INTO public.job_queue AS q (task_type, payload, run_at, max_attempts, priority, dedupe_key)
        SELECT e ->> 'task_type', COALESCE(e -> 'payload', '{}'),
               COALESCE((e ->> 'run_at')::timestamptz, pg_catalog.now()),
               COALESCE((e ->> 'max_attempts')::integer, 3), COALESCE((e ->> 'priority')::integer, 0),
               e ->> 'dedupe_key'
        FROM pg_catalog.jsonb_array_elements(jobs) e
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
        RETURNING q.id
    )
    SELECT pg_catalog.array_agg(ins.id) INTO ids FROM ins;
    IF COALESCE(pg_catalog.cardinality(ids), 0) < wanted THEN
        SELECT e ->> 'dedupe_key' INTO dup FROM pg_catalog.jsonb_array_elements(jobs) e
        WHERE e ->> 'dedupe_key' IS NOT NULL
          AND (EXISTS (SELECT 1 FROM public.job_queue q WHERE q.dedupe_key = e ->> 'dedupe_key'
                       AND q.status IN ('pending', 'running') AND q.id <> ALL (COALESCE(ids, '{}')))
               OR (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_array_elements(jobs) f
                   WHERE f ->> 'dedupe_key' = e ->> 'dedupe_key') > 1)
        LIMIT 1;
        RAISE EXCEPTION 'job_queue_enqueue_batch: a pending or running job with dedupe_key "%" already exists (nothing enqueued)',
            dup USING ERRCODE = '23505';
    END IF;
    RETURN QUERY SELECT pg_catalog.unnest(ids);
END
$$;

--
-- Name: FUNCTION job_queue_enqueue_batch(jobs jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) IS 'Add many jobs at once: [{"task_type":..,"payload":{..},"run_at":..,"max_attempts":..,"priority":..,"dedupe_key":..}, ...]. All or nothing.';

--
-- Name: job_queue_fail(uuid, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_fail(id uuid, error text, attempt integer DEFAULT NULL::integer) RETURNS TABLE(status text, run_at timestamp with time zone, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH failed AS (
        UPDATE public.job_queue q SET
            status = CASE WHEN q.attempts >= q.max_attempts THEN 'failed' ELSE 'pending' END,
            run_at = CASE WHEN q.attempts >= q.max_attempts THEN q.run_at
                          ELSE pg_catalog.now() + public.job_queue_retry_delay(q.attempts) END,
            finished_at = CASE WHEN q.attempts >= q.max_attempts THEN pg_catalog.now() END,
            last_error = pg_catalog.left(COALESCE(job_queue_fail.error, 'unknown error'), 8192),
            locked_until = NULL, updated_at = pg_catalog.now()
        WHERE q.id = job_queue_fail.id AND q.locked_until IS NOT NULL
          AND (job_queue_fail.attempt IS NULL OR q.attempts = job_queue_fail.attempt)
        RETURNING q.id, q.status, q.run_at, q.attempts, q.locked_by, q.started_at, q.last_error
    ), hist AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT f.id, f.attempts, f.locked_by, f.started_at, 'failed', f.last_error FROM failed f
    )
    SELECT f.status, f.run_at, f.attempts FROM failed f
$$;

--
-- Name: FUNCTION job_queue_fail(id uuid, error text, attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_fail(id uuid, error text, attempt integer) IS 'Record a failed attempt (error kept in last_error, first 8 KiB): pending again after the backoff, or failed at max_attempts. Fenced by attempt.';

--
-- Name: job_queue_get(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_get(id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    doc jsonb;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_get');
    SELECT pg_catalog.to_jsonb(q) || pg_catalog.jsonb_build_object('attempt_history', COALESCE((
        SELECT pg_catalog.jsonb_agg(a ORDER BY a.attempt) FROM (
            SELECT h.attempt, h.worker_id, h.started_at, h.finished_at, h.outcome, h.error,
                   extract(epoch FROM COALESCE(h.duration, pg_catalog.now() - h.started_at)) AS duration_s
            FROM public.job_queue_attempts h WHERE h.job_id = q.id
        ) a), '[]'))
    INTO doc
    FROM public.job_queue q WHERE q.id = job_queue_get.id;
    IF doc IS NULL THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_get', id);
    END IF;
    RETURN doc;
END
$$;

--
-- Name: FUNCTION job_queue_get(id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_get(id uuid) IS 'Admin: a job with its attempt history (payload, attempts, errors) as JSON.';

--
-- Name: job_queue_heartbeat(uuid, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_heartbeat(id uuid, extend interval DEFAULT '00:05:00'::interval, attempt integer DEFAULT NULL::integer) RETURNS timestamp with time zone
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    UPDATE public.job_queue q SET locked_until = pg_catalog.now() + job_queue_heartbeat.extend, updated_at = pg_catalog.now()
    WHERE q.id = job_queue_heartbeat.id AND q.locked_until IS NOT NULL AND job_queue_heartbeat.extend > '0'
      AND (job_queue_heartbeat.attempt IS NULL OR q.attempts = job_queue_heartbeat.attempt)
    RETURNING q.locked_until
$$;

--
-- Name: FUNCTION job_queue_heartbeat(id uuid, extend interval, attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_heartbeat(id uuid, extend interval, attempt integer) IS 'Extend a running job''s lease to now() + extend; NULL when the job is no longer this attempt''s.';

--
-- Name: job_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_queue (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    task_type text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 3 NOT NULL,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    locked_by text,
    locked_until timestamp with time zone,
    started_at timestamp with time zone,
    dedupe_key text,
    result jsonb,
    finished_at timestamp with time zone,
    CONSTRAINT job_queue_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT job_queue_check CHECK (((status = 'running'::text) = (locked_until IS NOT NULL))),
    CONSTRAINT job_queue_check1 CHECK (((status <> 'running'::text) OR (started_at IS NOT NULL))),
    CONSTRAINT job_queue_max_attempts_check CHECK ((max_attempts >= 1)),
    CONSTRAINT job_queue_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT job_queue_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT job_queue_task_type_check CHECK ((task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'::text))
)
WITH (fillfactor='70', autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='2000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='20000', autovacuum_analyze_scale_factor='0.02', autovacuum_vacuum_cost_delay='0');

--
-- Name: TABLE job_queue; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.job_queue IS 'Durable job queue (seed 002 Phase 3). Change it through the job_queue_* functions; service_role and admins only.';

--
-- Name: COLUMN job_queue.attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.attempts IS 'Attempts started so far (the claim increments it); the running attempt''s number.';

--
-- Name: COLUMN job_queue.locked_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.locked_by IS 'Worker of the current (or last) attempt.';

--
-- Name: COLUMN job_queue.locked_until; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.locked_until IS 'Lease end of a running job; once past, any claim may take the job back.';

--
-- Name: COLUMN job_queue.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.started_at IS 'Start of the current (or last) attempt.';

--
-- Name: COLUMN job_queue.dedupe_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.dedupe_key IS 'At most one pending or running job per key.';

--
-- Name: COLUMN job_queue.result; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_queue.result IS 'What the handler returned on success.';

--
-- Name: job_queue_list(text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_list(status text DEFAULT NULL::text, task_type text DEFAULT NULL::text, max_rows integer DEFAULT 50) RETURNS SETOF public.job_queue
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_list');
    IF status IS NOT NULL AND status NOT IN ('pending', 'running', 'succeeded', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'job_queue_list: unknown status "%" (expected pending, running, succeeded, failed, cancelled)', status
            USING ERRCODE = '22023';
    END IF;
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION 'job_queue_list: max_rows must be at least 1 (got %)', max_rows USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT q.* FROM public.job_queue q
    WHERE (job_queue_list.status IS NULL OR q.status = job_queue_list.status)
      AND (job_queue_list.task_type IS NULL OR q.task_type = job_queue_list.task_type)
    ORDER BY q.created_at DESC
    LIMIT max_rows;
END
$$;

--
-- Name: FUNCTION job_queue_list(status text, task_type text, max_rows integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) IS 'Admin: jobs newest first, optionally filtered by status and task_type.';

--
-- Name: job_queue_next_run_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_next_run_at() RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT LEAST(
        (SELECT pg_catalog.min(j.run_at) FROM public.job_queue j WHERE j.status = 'pending'),
        (SELECT pg_catalog.min(j.locked_until) FROM public.job_queue j WHERE j.status = 'running'))
$$;

--
-- Name: FUNCTION job_queue_next_run_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_next_run_at() IS 'Earliest time a claim could find work: the next pending run_at or running lease end; NULL when none.';

--
-- Name: job_queue_pause(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_pause() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_pause');
    UPDATE pgcadence.job_queue_settings SET paused = true, paused_at = pg_catalog.now(),
        paused_by = COALESCE(auth.uid()::text, CASE WHEN pg_catalog.current_setting('role') = 'none'
                                                    THEN session_user::text ELSE pg_catalog.current_setting('role') END),
        updated_at = pg_catalog.now();
    RETURN true;
END
$$;

--
-- Name: FUNCTION job_queue_pause(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_pause() IS 'Admin: pause processing (claims return nothing; enqueue still works).';

--
-- Name: job_queue_paused(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_paused() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT s.paused FROM pgcadence.job_queue_settings s
$$;

--
-- Name: FUNCTION job_queue_paused(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_paused() IS 'Whether processing is paused (see job_queue_pause()).';

--
-- Name: job_queue_release(uuid, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_release(id uuid, attempt integer, reason text DEFAULT 'released by worker'::text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH rel AS (
        UPDATE public.job_queue q SET status = 'pending', run_at = pg_catalog.now(), locked_until = NULL,
               max_attempts = q.max_attempts + 1, updated_at = pg_catalog.now()
        WHERE q.id = job_queue_release.id AND q.locked_until IS NOT NULL AND q.attempts = job_queue_release.attempt
        RETURNING q.id, q.attempts, q.locked_by, q.started_at
    ), hist AS (
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, outcome, error)
        SELECT r.id, r.attempts, r.locked_by, r.started_at, 'released', job_queue_release.reason FROM rel r
    ), wake AS (
        SELECT pg_catalog.pg_notify('pgcadence_job_queue', '') FROM rel LIMIT 1
    )
    SELECT EXISTS (SELECT 1 FROM rel) AND (SELECT pg_catalog.count(*) FROM wake) >= 0
$$;

--
-- Name: FUNCTION job_queue_release(id uuid, attempt integer, reason text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_release(id uuid, attempt integer, reason text) IS 'Worker: hand a running attempt back unfinished (due again now; does not use up an attempt). Fenced by attempt.';

--
-- Name: job_queue_resume(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_resume() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_resume');
    UPDATE pgcadence.job_queue_settings SET paused = false, paused_at = NULL, paused_by = NULL,
        updated_at = pg_catalog.now();
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN false;
END
$$;

--
-- Name: FUNCTION job_queue_resume(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_resume() IS 'Admin: resume processing.';

--
-- Name: job_queue_retry(uuid, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_retry(id uuid, extra_attempts integer DEFAULT 1) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    j public.job_queue;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_retry');
    IF extra_attempts IS NULL OR extra_attempts < 1 THEN
        RAISE EXCEPTION 'job_queue_retry: extra_attempts must be at least 1 (got %)', extra_attempts USING ERRCODE = '22023';
    END IF;
    SELECT * INTO j FROM public.job_queue q WHERE q.id = job_queue_retry.id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM pgcadence.job_queue_not_found('job_queue_retry', id);
    END IF;
    IF j.status = 'running' THEN
        RAISE EXCEPTION 'job_queue_retry: job % is running (attempt %); cancel it first or let it finish', id, j.attempts
            USING ERRCODE = '55000';
    END IF;
    IF j.status <> 'pending' AND j.dedupe_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM public.job_queue q WHERE q.dedupe_key = j.dedupe_key AND q.status IN ('pending', 'running')) THEN
        RAISE EXCEPTION 'job_queue_retry: another pending or running job has dedupe_key "%"', j.dedupe_key
            USING ERRCODE = '23505';
    END IF;
    IF j.status = 'succeeded' AND j.attempts > 0 THEN  -- the success leaves the job row: keep it in the log
        INSERT INTO public.job_queue_attempt_log (job_id, attempt, worker_id, started_at, finished_at, outcome)
        VALUES (j.id, j.attempts, j.locked_by, j.started_at, COALESCE(j.finished_at, pg_catalog.now()), 'succeeded')
        ON CONFLICT DO NOTHING;
    END IF;
    UPDATE public.job_queue q SET
        status = 'pending', run_at = pg_catalog.now(), finished_at = NULL, locked_until = NULL,
        max_attempts = CASE WHEN j.status = 'pending' THEN q.max_attempts ELSE q.attempts + extra_attempts END,
        updated_at = pg_catalog.now()
    WHERE q.id = j.id;
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN 'pending';
END
$$;

--
-- Name: FUNCTION job_queue_retry(id uuid, extra_attempts integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) IS 'Admin: run a failed/cancelled/succeeded job again now with extra_attempts more tries (a pending one: make it due now).';

--
-- Name: job_queue_retry_delay(integer, double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.job_queue_retry_delay(attempt integer, u double precision DEFAULT NULL::double precision) RETURNS interval
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    SELECT pg_catalog.make_interval(secs => LEAST(
               extract(epoch FROM s.backoff_cap)::double precision,
               LEAST(extract(epoch FROM s.backoff_cap)::double precision,
                     extract(epoch FROM s.backoff_base)::double precision
                       * pg_catalog.power(2::double precision, LEAST(GREATEST(attempt, 1) - 1, 60)))
               * (1 + s.backoff_jitter * COALESCE(u, pg_catalog.random()))))
    FROM pgcadence.job_queue_settings s
$$;

--
-- Name: FUNCTION job_queue_retry_delay(attempt integer, u double precision); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) IS 'Backoff after the attempt-th failure: least(cap, base*2^(attempt-1)) * (1 + jitter*u), capped at cap; u random in [0,1) when NULL.';

--
-- Name: list_job_handlers(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.list_job_handlers() RETURNS TABLE(task_type text, description text, registered_by text, registered_at timestamp with time zone, last_seen_at timestamp with time zone)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('list_job_handlers');
    RETURN QUERY SELECT h.task_type, h.description, h.registered_by, h.registered_at, h.last_seen_at
                 FROM public.job_handlers h ORDER BY h.task_type;
END
$$;

--
-- Name: FUNCTION list_job_handlers(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.list_job_handlers() IS 'Task types create_cron_job accepts (registered queue handlers). Admin only.';

--
-- Name: load_checkout_session(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.load_checkout_session(p_id text) RETURNS TABLE(id text, user_id uuid, provider_id text, context jsonb, created_at timestamp with time zone, updated_at timestamp with time zone, expires_at timestamp with time zone)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
    SELECT s.id, s.user_id, s.provider_id, s.context, s.created_at, s.updated_at, s.expires_at
    FROM public.agentic_checkout_sessions s
    WHERE s.id = p_id AND s.expires_at > now()
$$;

--
-- Name: FUNCTION load_checkout_session(p_id text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.load_checkout_session(p_id text) IS 'The caller''s checkout session (RLS: owner only), or no row when absent or expired.';

--
-- Name: log_audit(text, uuid, text, text, uuid, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.log_audit(p_action text, p_user_id uuid DEFAULT NULL::uuid, p_org_ref text DEFAULT NULL::text, p_provider text DEFAULT NULL::text, p_credential_id uuid DEFAULT NULL::uuid, p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    v_role text := pgcadence.request_role();
    v_uid uuid := auth.uid();
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.mandate_audit_actions a WHERE a.action = p_action) THEN
        RAISE EXCEPTION 'unknown audit action "%"', p_action
            USING ERRCODE = '22023', HINT = 'known actions are listed in public.mandate_audit_actions';
    END IF;
    IF p_metadata IS NULL OR pg_catalog.jsonb_typeof(p_metadata) <> 'object' THEN
        RAISE EXCEPTION 'audit metadata must be a JSON object' USING ERRCODE = '22023';
    END IF;
    -- a defensive net: secrets have no business in an audit row
    IF p_metadata ?| ARRAY['password', 'secret', 'token', 'ciphertext', 'mandate_jws', 'key'] THEN
        RAISE EXCEPTION 'audit metadata must not carry secrets (a key named password/secret/token/ciphertext/mandate_jws/key)'
            USING ERRCODE = '22023';
    END IF;
    IF v_role = 'authenticated' THEN
        -- users log their own actions only
        IF v_uid IS NULL OR (p_user_id IS NOT NULL AND p_user_id <> v_uid) THEN
            RAISE EXCEPTION 'a user may only write audit rows about themselves' USING ERRCODE = '42501';
        END IF;
        p_user_id := v_uid;
    ELSIF v_role = 'anon' THEN
        RAISE EXCEPTION 'anonymous callers cannot write audit rows' USING ERRCODE = '42501';
    END IF;
    INSERT INTO public.mandate_audit (user_id, action, org_ref, provider, credential_id, metadata)
    VALUES (p_user_id, p_action, p_org_ref, p_provider, p_credential_id, p_metadata)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

--
-- Name: FUNCTION log_audit(p_action text, p_user_id uuid, p_org_ref text, p_provider text, p_credential_id uuid, p_metadata jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.log_audit(p_action text, p_user_id uuid, p_org_ref text, p_provider text, p_credential_id uuid, p_metadata jsonb) IS 'Append one mandate_audit row (the only writer). authenticated: about themselves only; service_role: anyone.';

--
-- Name: log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, jsonb, integer, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.log_scheduled_ingestion(source text, requested_limit integer, trigger text, fetched integer, inserted integer, updated integer, refreshed integer, errors jsonb, duration_ms integer, started_at timestamp with time zone) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    INSERT INTO public.scheduled_ingestion_log AS l
        (source, requested_limit, trigger, status, fetched_count, inserted_count, updated_count, refreshed_count,
         error_count, errors, duration_ms, started_at)
    VALUES (source, requested_limit, trigger,
            CASE WHEN COALESCE(pg_catalog.jsonb_array_length(errors), 0) = 0 THEN 'succeeded'
                 WHEN COALESCE(fetched, 0) > 0 THEN 'partial' ELSE 'failed' END,
            COALESCE(fetched, 0), COALESCE(inserted, 0), COALESCE(updated, 0), COALESCE(refreshed, 0),
            COALESCE(pg_catalog.jsonb_array_length(errors), 0), COALESCE(errors, '[]'), duration_ms, started_at)
    RETURNING l.id
$$;

--
-- Name: FUNCTION log_scheduled_ingestion(source text, requested_limit integer, trigger text, fetched integer, inserted integer, updated integer, refreshed integer, errors jsonb, duration_ms integer, started_at timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.log_scheduled_ingestion(source text, requested_limit integer, trigger text, fetched integer, inserted integer, updated integer, refreshed integer, errors jsonb, duration_ms integer, started_at timestamp with time zone) IS 'scheduled-ingest: write its scheduled_ingestion_log row (status: succeeded without errors, partial with some movies, else failed).';

--
-- Name: movie_refresh_interval(date, double precision, date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    SELECT GREATEST(interval '1 day',
        CASE WHEN release_date IS NULL THEN interval '30 days'
             WHEN refreshed_on - release_date <= 30 THEN interval '1 day'
             WHEN refreshed_on - release_date <= 90 THEN interval '3 days'
             WHEN refreshed_on - release_date <= 365 THEN interval '7 days'
             WHEN refreshed_on - release_date <= 5 * 365 THEN interval '30 days'
             ELSE interval '90 days' END
        * CASE WHEN COALESCE(popularity, 0) >= 100 THEN 0.25
               WHEN COALESCE(popularity, 0) >= 20 THEN 0.5
               ELSE 1 END)
$$;

--
-- Name: FUNCTION movie_refresh_interval(release_date date, popularity double precision, refreshed_on date); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date) IS 'Staleness rule: refresh interval for a movie of this release date and popularity refreshed on refreshed_on (see README "Movies").';

--
-- Name: movie_refresh_priority(double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.movie_refresh_priority(popularity double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
    SELECT CASE WHEN popularity >= 100 THEN 2 WHEN popularity >= 20 THEN 1 ELSE 0 END
$$;

--
-- Name: FUNCTION movie_refresh_priority(popularity double precision); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.movie_refresh_priority(popularity double precision) IS 'Refresh queue priority: 2 for popularity >= 100, 1 for >= 20, else 0.';

--
-- Name: purge_mandate_audit(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.purge_mandate_audit(p_older_than interval) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
DECLARE
    n bigint;
BEGIN
    IF p_older_than IS NULL OR p_older_than < interval '30 days' THEN
        RAISE EXCEPTION 'refusing to purge audit rows younger than 30 days (got %)', p_older_than
            USING ERRCODE = '22023';
    END IF;
    PERFORM pg_catalog.set_config('pgcadence.audit_purge', 'on', true);
    DELETE FROM public.mandate_audit WHERE created_at < now() - p_older_than;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('pgcadence.audit_purge', 'off', true);
    RETURN n;
END
$$;

--
-- Name: FUNCTION purge_mandate_audit(p_older_than interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.purge_mandate_audit(p_older_than interval) IS 'Retention for mandate_audit: delete rows older than the interval (>= 30 days). Executable by the owner only.';

--
-- Name: record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_cache_warm(p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text, p_user_id uuid DEFAULT NULL::uuid, p_credential_id uuid DEFAULT NULL::uuid, p_provider text DEFAULT NULL::text, p_ttl interval DEFAULT '24:00:00'::interval, p_attempts integer DEFAULT 1) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
BEGIN
    IF p_error IS NULL THEN
        IF p_programs IS NULL OR pg_catalog.jsonb_typeof(p_programs) <> 'array' THEN
            RAISE EXCEPTION 'programs must be a JSON array' USING ERRCODE = '22023';
        END IF;
        INSERT INTO public.cached_programs AS cp (org_ref, category, programs, discovered_at, expires_at)
        VALUES (p_org_ref, p_category, p_programs, now(), now() + p_ttl)
        ON CONFLICT (org_ref, category) DO UPDATE
            SET programs = excluded.programs, discovered_at = excluded.discovered_at,
                expires_at = excluded.expires_at;
        PERFORM public.log_audit('cache_warm_success', p_user_id, p_org_ref, p_provider, p_credential_id,
            pg_catalog.jsonb_build_object('category', p_category,
                'programs_discovered', pg_catalog.jsonb_array_length(p_programs),
                'duration_ms', p_duration_ms, 'attempts', p_attempts));
        RETURN 'success';
    END IF;
    PERFORM public.log_audit('cache_warm_failed', p_user_id, p_org_ref, p_provider, p_credential_id,
        pg_catalog.jsonb_build_object('category', p_category, 'duration_ms', p_duration_ms,
            'error', p_error, 'attempts', p_attempts));
    RETURN 'failed';
END
$$;

--
-- Name: FUNCTION record_cache_warm(p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text, p_user_id uuid, p_credential_id uuid, p_provider text, p_ttl interval, p_attempts integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.record_cache_warm(p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text, p_user_id uuid, p_credential_id uuid, p_provider text, p_ttl interval, p_attempts integer) IS 'Outcome of warming one org/category: success upserts cached_programs and audits cache_warm_success (programs_discovered, duration_ms); failure audits cache_warm_failed (error, duration_ms).';

--
-- Name: record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb, body jsonb, duration_ms integer, error text DEFAULT NULL::text, timed_out boolean DEFAULT false, waits_so_far integer DEFAULT 0) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    decision jsonb := public.tmdb_log_call(endpoint, tmdb_id, status_code, headers, duration_ms, error, timed_out, waits_so_far);
BEGIN
    IF decision ->> 'action' = 'ok' THEN
        IF body IS NULL OR pg_catalog.jsonb_typeof(body) <> 'object' OR (body ->> 'id') IS DISTINCT FROM tmdb_id::text THEN
            RETURN pg_catalog.jsonb_build_object('action', 'retry',
                'error', 'HTTP ' || status_code || ' from ' || endpoint || ' without the movie document (id ' || tmdb_id || ')');
        END IF;
        RETURN decision || pg_catalog.jsonb_build_object('result', public.upsert_movie(body, true));
    ELSIF decision ->> 'action' = 'not_found' THEN
        UPDATE public.movies m SET gone_at = COALESCE(m.gone_at, pg_catalog.now()), updated_at = pg_catalog.now()
         WHERE m.tmdb_id = record_movie_fetch.tmdb_id;
        RETURN decision || pg_catalog.jsonb_build_object('result', 'gone');
    END IF;
    RETURN decision;
END
$$;

--
-- Name: FUNCTION record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb, body jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb, body jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer) IS 'ingest-movie: log the call and act on it (2xx: upsert_movie; 404: mark gone); returns the decision (ok/not_found/wait/retry/fail) and result.';

--
-- Name: register_job_handler(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.register_job_handler(task_type text, description text DEFAULT ''::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

--
-- Name: FUNCTION register_job_handler(task_type text, description text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.register_job_handler(task_type text, description text) IS 'Record that the queue worker handles task_type (called by the runner at start). service_role or owner only.';

--
-- Name: reseal_credential(uuid, bytea, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text) RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
    UPDATE public.stored_credentials SET ciphertext = p_ciphertext, key_fp = p_key_fp, updated_at = now()
    WHERE id = p_id
$$;

--
-- Name: FUNCTION reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text) IS 'Replace a credential''s ciphertext and key fingerprint (key rotation). Owner / service_role only.';

--
-- Name: run_cron_job_now(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.run_cron_job_now(job_name text) RETURNS TABLE(runid bigint, status text, return_message text, start_time timestamp with time zone, end_time timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION run_cron_job_now(job_name text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.run_cron_job_now(job_name text) IS 'Run the job''s command once now (ignoring schedule, time zone and active flag), in this transaction, and record it in cron.job_run_details ("manual run by ..."). Admin only.';

--
-- Name: save_checkout_session(text, jsonb, text, uuid, interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.save_checkout_session(p_id text, p_context jsonb, p_provider_id text DEFAULT NULL::text, p_user_id uuid DEFAULT NULL::uuid, p_ttl interval DEFAULT '24:00:00'::interval) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
DECLARE
    v_user uuid := coalesce(p_user_id, auth.uid());
    v_expires timestamptz;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'a checkout session needs a user (sign in, or pass p_user_id as service_role)'
            USING ERRCODE = '22023';
    END IF;
    IF p_ttl IS NULL OR p_ttl <= interval '0' OR p_ttl > interval '30 days' THEN
        RAISE EXCEPTION 'session TTL must be between 0 and 30 days (got %)', p_ttl USING ERRCODE = '22023';
    END IF;
    INSERT INTO public.agentic_checkout_sessions AS s (id, user_id, provider_id, context, expires_at)
    VALUES (p_id, v_user, p_provider_id, coalesce(p_context, '{}'::jsonb), now() + p_ttl)
    ON CONFLICT (id) DO UPDATE
        SET context = excluded.context,
            provider_id = coalesce(excluded.provider_id, s.provider_id),
            created_at = CASE WHEN s.expires_at <= now() THEN now() ELSE s.created_at END,
            updated_at = now(),
            expires_at = excluded.expires_at
        WHERE s.user_id = excluded.user_id
    RETURNING s.expires_at INTO v_expires;
    IF v_expires IS NULL THEN
        RAISE EXCEPTION 'checkout session % belongs to another user', p_id USING ERRCODE = '42501';
    END IF;
    RETURN v_expires;
END
$$;

--
-- Name: FUNCTION save_checkout_session(p_id text, p_context jsonb, p_provider_id text, p_user_id uuid, p_ttl interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.save_checkout_session(p_id text, p_context jsonb, p_provider_id text, p_user_id uuid, p_ttl interval) IS 'Upsert a checkout session for the caller (RLS: owner only); returns the new expires_at.';

--
-- Name: scheduled_ingest_plan(text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.scheduled_ingest_plan(source text, limit_count integer) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
DECLARE
    lists text[];
BEGIN
    lists := CASE source
        WHEN 'mixed_daily' THEN ARRAY['/movie/now_playing', '/trending/movie/week']
        WHEN 'mixed_weekly' THEN ARRAY['/movie/popular', '/trending/movie/week']
        WHEN 'now_playing' THEN ARRAY['/movie/now_playing']
        WHEN 'popular' THEN ARRAY['/movie/popular']
        WHEN 'trending' THEN ARRAY['/trending/movie/week']
        WHEN 'top_rated' THEN ARRAY['/movie/top_rated']
        WHEN 'upcoming' THEN ARRAY['/movie/upcoming']
    END;
    IF lists IS NULL THEN
        RAISE EXCEPTION 'unknown source "%": use mixed_daily, mixed_weekly, now_playing, popular, trending, top_rated or upcoming',
            pg_catalog.left(source, 64) USING ERRCODE = '22023';
    END IF;
    IF limit_count IS NULL OR limit_count < 1 OR limit_count > 500 THEN
        RAISE EXCEPTION 'limit must be between 1 and 500 (got %)', limit_count USING ERRCODE = '22023';
    END IF;
    -- TMDB lists have 20 results a page: read enough pages of every list to fill the
    -- limit from all of them together, plus one page each for the overlap between lists.
    RETURN pg_catalog.jsonb_build_object('lists', pg_catalog.to_jsonb(lists),
        'pages', LEAST(25, (limit_count + 20 * pg_catalog.cardinality(lists) - 1) / (20 * pg_catalog.cardinality(lists)) + 1));
END
$$;

--
-- Name: FUNCTION scheduled_ingest_plan(source text, limit_count integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.scheduled_ingest_plan(source text, limit_count integer) IS 'scheduled-ingest sources: mixed_daily = now_playing + trending/movie/week, mixed_weekly = popular + trending/movie/week (and single lists); pages to read per list.';

--
-- Name: set_cron_history_retention(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_cron_history_retention(keep interval) RETURNS interval
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
BEGIN
    PERFORM pgcadence.cron_require_admin('set_cron_history_retention');
    IF keep IS NULL OR keep < interval '1 hour' THEN
        RAISE EXCEPTION 'keep must be at least 1 hour (got %)', coalesce(keep::text, 'null') USING ERRCODE = '22023';
    END IF;
    UPDATE pgcadence.cron_settings SET history_retention = keep, updated_at = pg_catalog.now();
    RETURN keep;
END
$$;

--
-- Name: FUNCTION set_cron_history_retention(keep interval); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.set_cron_history_retention(keep interval) IS 'How long cron_history_cleanup keeps cron.job_run_details rows (default 7 days). Admin only.';

--
-- Name: store_credential(uuid, uuid, text, text, bytea, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    v_owner uuid;
BEGIN
    IF pgcadence.request_role() NOT IN ('service_role', 'owner') AND p_user_id IS DISTINCT FROM auth.uid() THEN
        RAISE EXCEPTION 'a user may only store their own credentials' USING ERRCODE = '42501';
    END IF;
    SELECT c.user_id INTO v_owner FROM public.stored_credentials c WHERE c.id = p_id FOR UPDATE;
    IF FOUND AND v_owner <> p_user_id THEN
        RAISE EXCEPTION 'credential % belongs to another user', p_id USING ERRCODE = '42501';
    END IF;
    INSERT INTO public.stored_credentials AS c (id, user_id, provider, alias, ciphertext, key_fp)
    VALUES (p_id, p_user_id, p_provider, p_alias, p_ciphertext, p_key_fp)
    ON CONFLICT (id) DO UPDATE
        SET provider = excluded.provider, alias = excluded.alias, ciphertext = excluded.ciphertext,
            key_fp = excluded.key_fp, updated_at = now();
    PERFORM public.log_audit('credentials_submitted', p_user_id, NULL, p_provider, p_id,
                             pg_catalog.jsonb_build_object('credential_alias', p_alias));
    RETURN p_id;
END
$$;

--
-- Name: FUNCTION store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text) IS 'Insert or replace a sealed credential (ciphertext from the runner) and audit credentials_submitted.';

--
-- Name: tmdb_config(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tmdb_config(OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer, OUT requests_per_second double precision) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
DECLARE
    s pgcadence.movies_settings;
BEGIN
    SELECT * INTO s FROM pgcadence.movies_settings;
    SELECT ds.decrypted_secret INTO api_key FROM vault.decrypted_secrets ds WHERE ds.name = s.api_key_secret;
    IF api_key IS NULL OR api_key = '' THEN
        RAISE EXCEPTION 'the TMDB API key is not configured: store it in Vault as %', s.api_key_secret
            USING ERRCODE = 'P0002',
                  HINT = pg_catalog.format('pgcadence secrets set %s, or select vault.create_secret(''<key>'', %L)',
                                           s.api_key_secret, s.api_key_secret);
    END IF;
    base_url := pg_catalog.rtrim(s.base_url, '/');
    auth_style := s.auth_style;
    timeout_ms := s.timeout_ms;
    requests_per_second := s.requests_per_second;
END
$$;

--
-- Name: FUNCTION tmdb_config(OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer, OUT requests_per_second double precision); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tmdb_config(OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer, OUT requests_per_second double precision) IS 'For the executor: upstream base URL, API key (Vault), auth style (bearer or query api_key), timeout and request rate.';

--
-- Name: tmdb_configure(text, double precision, integer, text, text, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tmdb_configure(base_url text DEFAULT NULL::text, requests_per_second double precision DEFAULT NULL::double precision, timeout_ms integer DEFAULT NULL::integer, auth_style text DEFAULT NULL::text, api_key_secret text DEFAULT NULL::text, max_retry_after_s integer DEFAULT NULL::integer, max_429_waits integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.movies_settings s SET
        base_url = COALESCE(tmdb_configure.base_url, s.base_url),
        requests_per_second = COALESCE(tmdb_configure.requests_per_second, s.requests_per_second),
        timeout_ms = COALESCE(tmdb_configure.timeout_ms, s.timeout_ms),
        auth_style = COALESCE(tmdb_configure.auth_style, s.auth_style),
        api_key_secret = COALESCE(tmdb_configure.api_key_secret, s.api_key_secret),
        max_retry_after_s = COALESCE(tmdb_configure.max_retry_after_s, s.max_retry_after_s),
        max_429_waits = COALESCE(tmdb_configure.max_429_waits, s.max_429_waits),
        updated_at = pg_catalog.now()
    RETURNING pg_catalog.to_jsonb(s) - 'id' - 'next_request_at'
$$;

--
-- Name: FUNCTION tmdb_configure(base_url text, requests_per_second double precision, timeout_ms integer, auth_style text, api_key_secret text, max_retry_after_s integer, max_429_waits integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tmdb_configure(base_url text, requests_per_second double precision, timeout_ms integer, auth_style text, api_key_secret text, max_retry_after_s integer, max_429_waits integer) IS 'Set the TMDB-compatible upstream: base_url, requests_per_second, timeout_ms, auth_style (bearer|query), Vault secret name of the key, 429 handling.';

--
-- Name: tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb, duration_ms integer, error text DEFAULT NULL::text, timed_out boolean DEFAULT false, waits_so_far integer DEFAULT 0) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
DECLARE
    s pgcadence.movies_settings;
    ra_text text := pgcadence.header(headers, 'retry-after');
    ra double precision := pgcadence.retry_after_seconds(ra_text);
    what text;
BEGIN
    INSERT INTO public.tmdb_api_logs (endpoint, tmdb_id, status_code, error, timed_out, duration_ms,
                                      rate_limit_limit, rate_limit_remaining, rate_limit_reset, retry_after)
    VALUES (pg_catalog.left(endpoint, 500), tmdb_id, status_code, pg_catalog.left(error, 2000), COALESCE(timed_out, false),
            duration_ms,
            pg_catalog.substring(pgcadence.header(headers, 'x-ratelimit-limit'), '^\s*(\d{1,9})\s*$')::integer,
            pg_catalog.substring(pgcadence.header(headers, 'x-ratelimit-remaining'), '^\s*(\d{1,9})\s*$')::integer,
            pg_catalog.left(pgcadence.header(headers, 'x-ratelimit-reset'), 100),
            pg_catalog.left(ra_text, 100));

    what := CASE WHEN timed_out THEN 'timed out' WHEN status_code IS NULL THEN COALESCE(error, 'no answer')
                 ELSE 'HTTP ' || status_code END || ' from ' || pg_catalog.left(endpoint, 200);
    IF status_code BETWEEN 200 AND 299 THEN
        RETURN pg_catalog.jsonb_build_object('action', 'ok');
    ELSIF status_code = 404 THEN
        RETURN pg_catalog.jsonb_build_object('action', 'not_found', 'error', what);
    ELSIF status_code = 429 THEN
        SELECT * INTO s FROM pgcadence.movies_settings FOR UPDATE;
        ra := COALESCE(ra, 1);
        UPDATE pgcadence.movies_settings
           SET next_request_at = GREATEST(next_request_at, pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => ra));
        IF COALESCE(waits_so_far, 0) < s.max_429_waits AND ra <= s.max_retry_after_s THEN
            RETURN pg_catalog.jsonb_build_object('action', 'wait', 'seconds', ra, 'error', what);
        END IF;
        RETURN pg_catalog.jsonb_build_object('action', 'retry', 'seconds', ra,
            'error', what || ' (rate limited; Retry-After ' || ra || ' s)');
    ELSIF status_code IS NULL OR status_code >= 500 OR status_code = 408 THEN
        RETURN pg_catalog.jsonb_build_object('action', 'retry', 'error', what);
    END IF;
    RETURN pg_catalog.jsonb_build_object('action', 'fail', 'error', what);
END
$_$;

--
-- Name: FUNCTION tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer) IS 'Log an upstream call in tmdb_api_logs and decide: ok, not_found, wait (429; the rate gate honours Retry-After), retry (5xx/timeout), fail.';

--
-- Name: tmdb_rate_acquire(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tmdb_rate_acquire() RETURNS double precision
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    WITH cur AS (
        SELECT GREATEST(s.next_request_at, pg_catalog.clock_timestamp()) AS slot, s.requests_per_second
          FROM pgcadence.movies_settings s FOR UPDATE
    ), upd AS (
        UPDATE pgcadence.movies_settings s
           SET next_request_at = c.slot + pg_catalog.make_interval(secs => 1.0 / c.requests_per_second)
          FROM cur c
        RETURNING c.slot
    )
    SELECT GREATEST(0, extract(epoch FROM u.slot - pg_catalog.clock_timestamp()))::double precision FROM upd u
$$;

--
-- Name: FUNCTION tmdb_rate_acquire(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tmdb_rate_acquire() IS 'Rate gate: reserve the next upstream request slot (requests_per_second, pushed back by a 429 Retry-After); returns seconds to wait.';

--
-- Name: toggle_cron_job(text, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.toggle_cron_job(job_name text, new_active boolean) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION toggle_cron_job(job_name text, new_active boolean); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.toggle_cron_job(job_name text, new_active boolean) IS 'Enable (true) or disable (false) the cron job of that name. Admin only.';

--
-- Name: update_cron_schedule(text, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

--
-- Name: FUNCTION update_cron_schedule(job_name text, new_schedule text, timezone text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text) IS 'Validate and set a job''s cron expression; timezone: IANA name for local time, ''UTC'' for none, NULL keeps the current one. Returns the plain-English schedule. Admin only.';

--
-- Name: upsert_movie(jsonb, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.upsert_movie(doc jsonb, refreshed boolean DEFAULT true) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
DECLARE
    v_id bigint;
    v_inserted boolean;
BEGIN
    IF doc IS NULL OR pg_catalog.jsonb_typeof(doc) <> 'object'
       OR pg_catalog.jsonb_typeof(doc -> 'id') IS DISTINCT FROM 'number'
       OR NOT COALESCE((doc ->> 'id') ~ '^[1-9]\d{0,17}$', false) THEN
        RAISE EXCEPTION 'upsert_movie: the document must be a JSON object with a positive integer "id"'
            USING ERRCODE = '22023';
    END IF;
    v_id := (doc ->> 'id')::bigint;
    INSERT INTO public.movies AS m (tmdb_id, title, release_date, popularity, data, last_refreshed_at)
    VALUES (v_id,
            COALESCE(doc ->> 'title', doc ->> 'original_title', ''),
            pgcadence.upstream_date(doc ->> 'release_date'),
            GREATEST(COALESCE(CASE WHEN pg_catalog.jsonb_typeof(doc -> 'popularity') = 'number'
                                   THEN (doc ->> 'popularity')::double precision END, 0), 0),
            doc,
            CASE WHEN refreshed THEN pg_catalog.now() END)
    ON CONFLICT (tmdb_id) DO UPDATE SET
        title = CASE WHEN EXCLUDED.title <> '' THEN EXCLUDED.title ELSE m.title END,
        release_date = COALESCE(EXCLUDED.release_date, m.release_date),
        popularity = CASE WHEN pg_catalog.jsonb_typeof(doc -> 'popularity') = 'number' THEN EXCLUDED.popularity ELSE m.popularity END,
        data = CASE WHEN refreshed THEN EXCLUDED.data ELSE m.data || EXCLUDED.data END,
        last_refreshed_at = CASE WHEN refreshed THEN pg_catalog.now() ELSE m.last_refreshed_at END,
        gone_at = CASE WHEN refreshed THEN NULL ELSE m.gone_at END,
        updated_at = pg_catalog.now()
    RETURNING (m.xmax = 0) INTO v_inserted;
    RETURN CASE WHEN v_inserted THEN 'inserted' ELSE 'updated' END;
END
$_$;

--
-- Name: FUNCTION upsert_movie(doc jsonb, refreshed boolean); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.upsert_movie(doc jsonb, refreshed boolean) IS 'Insert or update a movie from an upstream document (refreshed: the full document, sets last_refreshed_at). Returns inserted or updated.';

--
-- Name: _decrypt(uuid, uuid, bytea, text); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        k    record;
        blob bytea;
        ct   bytea;
    BEGIN
        IF p_secret IS NULL THEN
            RETURN NULL;
        END IF;
        IF p_key_id IS NULL OR p_nonce IS NULL THEN
            RAISE EXCEPTION 'vault secret % has no key_id or nonce: it was not written by vault.create_secret', p_id
                USING HINT = 'store it again with vault.update_secret(id, new_secret := ...)', ERRCODE = 'F0000';
        END IF;
        k := vault._key(p_key_id);
        BEGIN
            blob := pg_catalog.decode(p_secret, 'base64');
        EXCEPTION WHEN OTHERS THEN
            blob := NULL;
        END;
        IF blob IS NULL OR pg_catalog.length(blob) < 48 OR pg_catalog.length(p_nonce) <> 16 THEN
            RAISE EXCEPTION 'vault secret % failed authentication: the stored ciphertext is malformed', p_id
                USING ERRCODE = 'F0000';
        END IF;
        ct := pg_catalog.substring(blob, 1, pg_catalog.length(blob) - 32);
        IF vault._tag(k.mac_key, p_id, p_key_id, p_nonce, ct)
           IS DISTINCT FROM pg_catalog.substring(blob, pg_catalog.length(blob) - 31) THEN
            RAISE EXCEPTION 'vault secret % failed authentication: the ciphertext was altered or copied from another row, or key % in the key file is not the key it was encrypted with',
                            p_id, p_key_id
                USING HINT = 'restore the original key file, or store the secret again with vault.update_secret', ERRCODE = 'F0000';
        END IF;
        RETURN pg_catalog.convert_from(extensions.decrypt_iv(ct, k.enc_key, p_nonce, 'aes-cbc/pad:pkcs'), 'UTF8');
    END
    $$;

--
-- Name: FUNCTION _decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text); Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) IS 'Internal: authenticated decryption behind vault.decrypted_secrets.';

--
-- Name: _encrypt(uuid, uuid, text); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._encrypt(p_id uuid, p_key_id uuid, p_plain text, OUT secret text, OUT nonce bytea, OUT key_id uuid) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
    DECLARE
        k  record;
        ct bytea;
    BEGIN
        IF p_plain IS NULL THEN
            RAISE EXCEPTION 'a vault secret cannot be NULL' USING ERRCODE = '23502';
        END IF;
        k := vault._key(p_key_id);
        nonce := extensions.gen_random_bytes(16);
        ct := extensions.encrypt_iv(pg_catalog.convert_to(p_plain, 'UTF8'), k.enc_key, nonce, 'aes-cbc/pad:pkcs');
        secret := pg_catalog.translate(
            pg_catalog.encode(ct || vault._tag(k.mac_key, p_id, k.key_id, nonce, ct), 'base64'), E'\n', '');
        key_id := k.key_id;
    END
    $$;

--
-- Name: _key(uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
    BEGIN
        SELECT k.key_id, k.enc_key, k.mac_key INTO key_id, enc_key, mac_key
          FROM vault._keys() AS k
         WHERE CASE WHEN p_key_id IS NULL THEN k.active ELSE k.key_id = p_key_id END;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'vault key % is not in the vault key file %', p_key_id, vault._key_file()
                USING HINT = 'restore the key ring that holds this key (keys are never removed by rotate-key unless --prune is given)',
                      ERRCODE = 'F0000';
        END IF;
    END
    $$;

--
-- Name: _key_file(); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._key_file() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT CASE WHEN p LIKE '/%' THEN p
                    ELSE pg_catalog.current_setting('data_directory') || '/' || p END
          FROM (SELECT coalesce(nullif(pg_catalog.current_setting('pgcadence.vault_key_file', true), ''),
                                'pgcadence_vault.keys') AS p) AS setting
    $$;

--
-- Name: _key_file_digest(); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._key_file_digest() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
        SELECT pg_catalog.encode(extensions.digest(pg_catalog.pg_read_binary_file(vault._key_file(), 0, 1048576, true), 'sha256'), 'hex')
    $$;

--
-- Name: _keys(); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._keys() RETURNS TABLE(key_id uuid, enc_key bytea, mac_key bytea, active boolean)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
    DECLARE
        v_path  text := vault._key_file();
        v_text  text;
        v_lines text[];
        v_line  text;
        v_n     int := 0;
        v_ids   uuid[] := '{}';
        v_roots bytea[] := '{}';
        v_root  bytea;
        i       int;
    BEGIN
        BEGIN
            v_text := pg_catalog.pg_read_file(v_path, 0, 1048576, true);
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'vault key file % cannot be read by the server', v_path
                USING HINT = 'it must be readable by the PostgreSQL OS user (owner postgres, mode 0600)',
                      ERRCODE = '58P01';
        END;
        IF v_text IS NULL THEN
            RAISE EXCEPTION 'vault key file % not found', v_path
                USING HINT = 'create it: run ''pgcadence secrets init-key'' on the database host, or see README "Vault secrets" '
                             '(openssl rand -base64 32 + uuidgen, owner postgres, mode 0600); '
                             'or point pgcadence.vault_key_file in postgresql.conf at the existing file',
                      ERRCODE = '58P01';
        END IF;
        v_lines := pg_catalog.regexp_split_to_array(v_text, E'\r?\n');
        FOR i IN 1 .. coalesce(pg_catalog.array_length(v_lines, 1), 0) LOOP
            v_line := pg_catalog.btrim(v_lines[i], E' \t');
            CONTINUE WHEN v_line = '' OR v_line LIKE '#%';
            IF v_line !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}[ \t]+[A-Za-z0-9+/]{43}=$' THEN
                RAISE EXCEPTION 'vault key file % line % is malformed', v_path, i
                    USING HINT = 'each line must be "<key id uuid> <base64 of 32 random bytes>"',
                          ERRCODE = 'F0000';
            END IF;
            v_n := v_n + 1;
            v_ids[v_n] := pg_catalog.split_part(pg_catalog.regexp_replace(v_line, '[ \t]+', ' '), ' ', 1)::uuid;
            v_roots[v_n] := pg_catalog.decode(pg_catalog.split_part(pg_catalog.regexp_replace(v_line, '[ \t]+', ' '), ' ', 2), 'base64');
            IF v_ids[v_n] = ANY (v_ids[1:v_n - 1]) THEN
                RAISE EXCEPTION 'vault key file % lists key id % twice', v_path, v_ids[v_n] USING ERRCODE = 'F0000';
            END IF;
        END LOOP;
        IF v_n = 0 THEN
            RAISE EXCEPTION 'vault key file % holds no key', v_path
                USING HINT = 'add a line "<key id uuid> <base64 of 32 random bytes>" (see README "Vault secrets")',
                      ERRCODE = 'F0000';
        END IF;
        FOR i IN 1 .. v_n LOOP
            v_root := v_roots[i];
            key_id  := v_ids[i];
            enc_key := extensions.hmac(pg_catalog.convert_to('pgcadence-vault-v1 enc', 'UTF8'), v_root, 'sha256');
            mac_key := extensions.hmac(pg_catalog.convert_to('pgcadence-vault-v1 mac', 'UTF8'), v_root, 'sha256');
            active  := (i = v_n);
            RETURN NEXT;
        END LOOP;
    END
    $_$;

--
-- Name: _reencrypt_all(uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._reencrypt_all(p_key_id uuid) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
    DECLARE
        s vault.secrets;
        e record;
        n integer := 0;
    BEGIN
        PERFORM vault._key(p_key_id);  -- fail before touching anything when the key is missing
        LOCK TABLE vault.secrets IN SHARE ROW EXCLUSIVE MODE;
        FOR s IN SELECT * FROM vault.secrets WHERE key_id IS DISTINCT FROM p_key_id ORDER BY created_at, id LOOP
            e := vault._encrypt(s.id, p_key_id, vault._decrypt(s.id, s.key_id, s.nonce, s.secret));
            UPDATE vault.secrets SET secret = e.secret, nonce = e.nonce, key_id = e.key_id WHERE id = s.id;
            n := n + 1;
        END LOOP;
        RETURN n;
    END
    $$;

--
-- Name: _tag(bytea, uuid, uuid, bytea, bytea); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault._tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
        SELECT extensions.hmac(
            pg_catalog.convert_to('pgcadence-vault-v1', 'UTF8')
              || pg_catalog.uuid_send(p_id) || pg_catalog.uuid_send(p_key_id) || p_nonce || p_ct,
            p_mac_key, 'sha256')
    $$;

--
-- Name: create_secret(text, text, text, uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault.create_secret(new_secret text, new_name text DEFAULT NULL::text, new_description text DEFAULT ''::text, new_key_id uuid DEFAULT NULL::uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        v_id uuid := pg_catalog.gen_random_uuid();
        e    record;
    BEGIN
        e := vault._encrypt(v_id, new_key_id, new_secret);
        INSERT INTO vault.secrets (id, name, description, secret, key_id, nonce)
        VALUES (v_id, new_name, coalesce(new_description, ''), e.secret, e.key_id, e.nonce);
        RETURN v_id;
    END
    $$;

--
-- Name: FUNCTION create_secret(new_secret text, new_name text, new_description text, new_key_id uuid); Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON FUNCTION vault.create_secret(new_secret text, new_name text, new_description text, new_key_id uuid) IS 'Encrypt and store a secret (Supabase Vault API); new_key_id picks a key of the key ring, default the active one.';

--
-- Name: update_secret(uuid, text, text, text, uuid); Type: FUNCTION; Schema: vault; Owner: -
--

CREATE FUNCTION vault.update_secret(secret_id uuid, new_secret text DEFAULT NULL::text, new_name text DEFAULT NULL::text, new_description text DEFAULT NULL::text, new_key_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
    DECLARE
        s vault.secrets;
        e record;
    BEGIN
        SELECT * INTO s FROM vault.secrets WHERE id = secret_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no vault secret with id %', secret_id USING ERRCODE = 'P0002';
        END IF;
        IF new_secret IS NOT NULL OR (new_key_id IS NOT NULL AND new_key_id IS DISTINCT FROM s.key_id) THEN
            e := vault._encrypt(s.id, new_key_id,
                                coalesce(new_secret, vault._decrypt(s.id, s.key_id, s.nonce, s.secret)));
            s.secret := e.secret;
            s.nonce := e.nonce;
            s.key_id := e.key_id;
        END IF;
        UPDATE vault.secrets
           SET name = coalesce(new_name, s.name),
               description = coalesce(new_description, s.description),
               secret = s.secret, nonce = s.nonce, key_id = s.key_id,
               updated_at = CURRENT_TIMESTAMP
         WHERE id = secret_id;
    END
    $$;

--
-- Name: FUNCTION update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid); Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON FUNCTION vault.update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid) IS 'Change a secret (Supabase Vault API); NULL arguments keep the old value; new_key_id alone re-encrypts under that key.';

--
-- Name: _http_response; Type: TABLE; Schema: net; Owner: -
--

CREATE TABLE net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE _http_response; Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON TABLE net._http_response IS 'One row per finished request (pg_net shape): HTTP answers of any status, or error_msg/timed_out for transport failures.';

--
-- Name: http_request_queue; Type: TABLE; Schema: net; Owner: -
--

CREATE TABLE net.http_request_queue (
    id bigint NOT NULL,
    method net.http_method NOT NULL,
    url text NOT NULL,
    headers jsonb,
    body bytea,
    timeout_milliseconds integer NOT NULL
);

--
-- Name: TABLE http_request_queue; Type: COMMENT; Schema: net; Owner: -
--

COMMENT ON TABLE net.http_request_queue IS 'Requests waiting to be sent (pg_net shape). A row leaves the queue in the transaction that writes its net._http_response row.';

--
-- Name: http_request_queue_id_seq; Type: SEQUENCE; Schema: net; Owner: -
--

CREATE SEQUENCE net.http_request_queue_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: http_request_queue_id_seq; Type: SEQUENCE OWNED BY; Schema: net; Owner: -
--

ALTER SEQUENCE net.http_request_queue_id_seq OWNED BY net.http_request_queue.id;

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
-- Name: cron_job_meta; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cron_job_meta (
    jobname text NOT NULL,
    timezone text,
    local_schedule text NOT NULL,
    inner_command text NOT NULL,
    task_type text,
    payload jsonb,
    max_attempts integer,
    created_by text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE cron_job_meta; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.cron_job_meta IS 'Managed cron jobs: time zone, local schedule, the real command and the queue task; read through get_cron_jobs().';

--
-- Name: cron_settings; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cron_settings (
    id boolean DEFAULT true NOT NULL,
    history_retention interval DEFAULT '7 days'::interval NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cron_settings_history_retention_check CHECK ((history_retention >= '01:00:00'::interval)),
    CONSTRAINT cron_settings_id_check CHECK (id)
);

--
-- Name: TABLE cron_settings; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.cron_settings IS 'Cron management settings: history_retention (how long cron_history_cleanup keeps cron.job_run_details rows).';

--
-- Name: game_platform_settings; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.game_platform_settings (
    id boolean DEFAULT true NOT NULL,
    base_url text,
    api_key_secret text DEFAULT 'game_platform_api_key'::text NOT NULL,
    timeout_ms integer DEFAULT 10000 NOT NULL,
    sweep_batch integer DEFAULT 100 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT game_platform_settings_base_url_check CHECK (((base_url IS NULL) OR (base_url ~ '^https?://[^\s]+$'::text))),
    CONSTRAINT game_platform_settings_id_check CHECK (id),
    CONSTRAINT game_platform_settings_sweep_batch_check CHECK (((sweep_batch >= 1) AND (sweep_batch <= 10000))),
    CONSTRAINT game_platform_settings_timeout_ms_check CHECK (((timeout_ms >= 100) AND (timeout_ms <= 300000)))
);

--
-- Name: TABLE game_platform_settings; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.game_platform_settings IS 'Game platform upstream: base URL (NULL: Vault secret game_platform_base_url), Vault name of the API key, timeout, sweep batch size.';

--
-- Name: job_queue_settings; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.job_queue_settings (
    id boolean DEFAULT true NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    paused_at timestamp with time zone,
    paused_by text,
    backoff_base interval DEFAULT '00:00:10'::interval NOT NULL,
    backoff_cap interval DEFAULT '01:00:00'::interval NOT NULL,
    backoff_jitter double precision DEFAULT 0.25 NOT NULL,
    max_payload_bytes integer DEFAULT 262144 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT job_queue_settings_backoff_base_check CHECK ((backoff_base > '00:00:00'::interval)),
    CONSTRAINT job_queue_settings_backoff_jitter_check CHECK (((backoff_jitter >= (0)::double precision) AND (backoff_jitter <= (1)::double precision))),
    CONSTRAINT job_queue_settings_check CHECK ((backoff_cap >= backoff_base)),
    CONSTRAINT job_queue_settings_id_check CHECK (id),
    CONSTRAINT job_queue_settings_max_payload_bytes_check CHECK ((max_payload_bytes > 0))
);

--
-- Name: TABLE job_queue_settings; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.job_queue_settings IS 'Job queue switch and tunables: paused (claims return nothing), backoff base/cap/jitter, payload size limit.';

--
-- Name: movies_settings; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.movies_settings (
    id boolean DEFAULT true NOT NULL,
    base_url text DEFAULT 'https://api.themoviedb.org/3'::text NOT NULL,
    api_key_secret text DEFAULT 'tmdb_api_key'::text NOT NULL,
    auth_style text DEFAULT 'bearer'::text NOT NULL,
    requests_per_second double precision DEFAULT 20 NOT NULL,
    timeout_ms integer DEFAULT 10000 NOT NULL,
    max_retry_after_s integer DEFAULT 60 NOT NULL,
    max_429_waits integer DEFAULT 3 NOT NULL,
    next_request_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT movies_settings_auth_style_check CHECK ((auth_style = ANY (ARRAY['bearer'::text, 'query'::text]))),
    CONSTRAINT movies_settings_base_url_check CHECK ((base_url ~ '^https?://[^\s]+$'::text)),
    CONSTRAINT movies_settings_id_check CHECK (id),
    CONSTRAINT movies_settings_max_429_waits_check CHECK ((max_429_waits >= 0)),
    CONSTRAINT movies_settings_max_retry_after_s_check CHECK ((max_retry_after_s >= 0)),
    CONSTRAINT movies_settings_requests_per_second_check CHECK ((requests_per_second > (0)::double precision)),
    CONSTRAINT movies_settings_timeout_ms_check CHECK (((timeout_ms >= 100) AND (timeout_ms <= 300000)))
);

--
-- Name: TABLE movies_settings; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.movies_settings IS 'TMDB-compatible upstream: base URL, Vault secret name of the API key, auth style, request rate, timeout, 429 handling; next_request_at is the shared rate gate.';

--
-- Name: net_claims; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.net_claims (
    id bigint NOT NULL,
    worker integer NOT NULL,
    claimed_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_until timestamp with time zone NOT NULL,
    attempts integer DEFAULT 1 NOT NULL
);

--
-- Name: TABLE net_claims; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.net_claims IS 'Requests of net.http_request_queue a sender is working on (leases); kept out of the pg_net-shaped table.';

--
-- Name: net_enqueue_marks; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.net_enqueue_marks (
    first_id bigint NOT NULL,
    enqueued_at timestamp with time zone NOT NULL
);

--
-- Name: TABLE net_enqueue_marks; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.net_enqueue_marks IS 'First request id of each enqueuing transaction and its time; trimmed as the queue drains.';

--
-- Name: agentic_checkout_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agentic_checkout_sessions (
    id text NOT NULL,
    user_id uuid NOT NULL,
    provider_id text,
    context jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone DEFAULT (now() + '24:00:00'::interval) NOT NULL,
    CONSTRAINT agentic_checkout_sessions_context_check CHECK ((jsonb_typeof(context) = 'object'::text)),
    CONSTRAINT agentic_checkout_sessions_id_check CHECK (((id <> ''::text) AND (length(id) <= 200)))
);

--
-- Name: TABLE agentic_checkout_sessions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.agentic_checkout_sessions IS 'Checkout-session context synced from the orchestrator (seed 001 Phase 2): survives restarts, expires 24 h after the last save; cleanup_expired_checkout_sessions() deletes expired rows.';

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
-- Name: cache_warm_targets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cache_warm_targets (
    org_ref text NOT NULL,
    category text DEFAULT 'all'::text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cache_warm_targets_category_check CHECK ((category <> ''::text)),
    CONSTRAINT cache_warm_targets_org_ref_check CHECK ((org_ref <> ''::text))
);

--
-- Name: TABLE cache_warm_targets; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.cache_warm_targets IS 'The (org_ref, category) pairs warm-cache-authenticated warms when called with an empty body.';

--
-- Name: cached_programs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cached_programs (
    id uuid DEFAULT extensions.gen_random_uuid() NOT NULL,
    org_ref text NOT NULL,
    category text DEFAULT 'all'::text NOT NULL,
    programs jsonb DEFAULT '[]'::jsonb NOT NULL,
    discovered_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone DEFAULT (now() + '24:00:00'::interval) NOT NULL,
    CONSTRAINT cached_programs_category_check CHECK ((category <> ''::text)),
    CONSTRAINT cached_programs_org_ref_check CHECK ((org_ref <> ''::text)),
    CONSTRAINT cached_programs_programs_check CHECK ((jsonb_typeof(programs) = 'array'::text))
);

--
-- Name: TABLE cached_programs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.cached_programs IS 'Programs per (org_ref, category) as warm-cache-authenticated last discovered them; fresh until expires_at.';

--
-- Name: competitors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.competitors (
    id uuid DEFAULT extensions.gen_random_uuid() NOT NULL,
    coach_id uuid NOT NULL,
    external_id text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    totals jsonb,
    totals_refreshed_at timestamp with time zone,
    needs_totals_refresh boolean DEFAULT false NOT NULL,
    last_activity_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT competitors_external_id_check CHECK ((external_id <> ''::text)),
    CONSTRAINT competitors_totals_check CHECK (((totals IS NULL) OR (jsonb_typeof(totals) = 'object'::text)))
);

--
-- Name: TABLE competitors; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.competitors IS 'Competitors on the game platform, per coach (coach_id = the coach''s auth.uid()); totals come from the platform (source of truth). Coaches read their own; admins read all; service_role writes.';

--
-- Name: COLUMN competitors.needs_totals_refresh; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.competitors.needs_totals_refresh IS 'Set by game_platform_record_activity when new activity arrives; cleared by game_platform_store_totals.';

--
-- Name: game_platform_activity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.game_platform_activity (
    id bigint NOT NULL,
    competitor_id uuid NOT NULL,
    external_id text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    points jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT game_platform_activity_external_id_check CHECK ((external_id <> ''::text)),
    CONSTRAINT game_platform_activity_points_check CHECK ((jsonb_typeof(points) = 'object'::text))
);

--
-- Name: TABLE game_platform_activity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.game_platform_activity IS 'Activity fetched from the game platform, one row per external activity id (re-fetching is harmless).';

--
-- Name: game_platform_activity_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.game_platform_activity ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.game_platform_activity_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: game_platform_sync_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.game_platform_sync_state (
    scope text NOT NULL,
    after_time_unix bigint DEFAULT 0 NOT NULL,
    last_synced_at timestamp with time zone,
    last_result jsonb,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT game_platform_sync_state_after_time_unix_check CHECK ((after_time_unix >= 0)),
    CONSTRAINT game_platform_sync_state_scope_check CHECK (((scope = 'all'::text) OR (scope ~ '^coach:[0-9a-f-]{36}$'::text)))
);

--
-- Name: TABLE game_platform_sync_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.game_platform_sync_state IS 'Incremental sync window per scope (''all'' or ''coach:<uuid>''): the next run asks for activity after after_time_unix.';

--
-- Name: job_handlers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_handlers (
    task_type text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    registered_by text DEFAULT 'runner'::text NOT NULL,
    registered_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT job_handlers_task_type_check CHECK ((task_type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'::text))
);

--
-- Name: TABLE job_handlers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.job_handlers IS 'Task types with a registered queue handler (filled by the runner through register_job_handler()); create_cron_job() accepts only these.';

--
-- Name: job_queue_attempt_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_queue_attempt_log (
    job_id uuid NOT NULL,
    attempt integer NOT NULL,
    worker_id text,
    started_at timestamp with time zone,
    finished_at timestamp with time zone DEFAULT now() NOT NULL,
    outcome text NOT NULL,
    error text,
    duration interval GENERATED ALWAYS AS ((finished_at - started_at)) STORED,
    CONSTRAINT job_queue_attempt_log_attempt_check CHECK ((attempt >= 1)),
    CONSTRAINT job_queue_attempt_log_outcome_check CHECK ((outcome = ANY (ARRAY['succeeded'::text, 'failed'::text, 'lease_expired'::text, 'cancelled'::text, 'released'::text])))
)
WITH (autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='50000', autovacuum_analyze_scale_factor='0.02');

--
-- Name: TABLE job_queue_attempt_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.job_queue_attempt_log IS 'Ended attempts other than a job''s successful last one (see the job_queue_attempts view for the full history).';

--
-- Name: job_queue_attempts; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.job_queue_attempts WITH (security_invoker='true') AS
 SELECT l.job_id,
    l.attempt,
    l.worker_id,
    l.started_at,
    l.finished_at,
    l.outcome,
    l.error,
    l.duration
   FROM public.job_queue_attempt_log l
UNION ALL
 SELECT q.id AS job_id,
    q.attempts AS attempt,
    q.locked_by AS worker_id,
    q.started_at,
        CASE
            WHEN (q.status = 'succeeded'::text) THEN q.finished_at
            ELSE NULL::timestamp with time zone
        END AS finished_at,
        CASE
            WHEN (q.status = 'succeeded'::text) THEN 'succeeded'::text
            ELSE 'running'::text
        END AS outcome,
    NULL::text AS error,
        CASE
            WHEN (q.status = 'succeeded'::text) THEN (q.finished_at - q.started_at)
            ELSE NULL::interval
        END AS duration
   FROM public.job_queue q
  WHERE ((q.status = ANY (ARRAY['running'::text, 'succeeded'::text])) AND (q.attempts > 0));

--
-- Name: VIEW job_queue_attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.job_queue_attempts IS 'Attempt history of job_queue, one row per attempt: worker, start, end, outcome (running, succeeded, failed, lease_expired, cancelled, released), error, duration.';

--
-- Name: job_queue_metrics; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.job_queue_metrics WITH (security_invoker='true') AS
 SELECT q.task_type,
    count(*) FILTER (WHERE (q.status = 'pending'::text)) AS pending,
    count(*) FILTER (WHERE ((q.status = 'pending'::text) AND (q.run_at <= now()))) AS due,
    count(*) FILTER (WHERE (q.status = 'running'::text)) AS running,
    count(*) FILTER (WHERE (q.status = 'succeeded'::text)) AS succeeded,
    count(*) FILTER (WHERE (q.status = 'failed'::text)) AS failed,
    count(*) FILTER (WHERE (q.status = 'cancelled'::text)) AS cancelled,
    (now() - min(q.run_at) FILTER (WHERE ((q.status = 'pending'::text) AND (q.run_at <= now())))) AS oldest_pending_age,
    ( SELECT count(*) AS count
           FROM (public.job_queue_attempt_log a
             JOIN public.job_queue j ON ((j.id = a.job_id)))
          WHERE ((j.task_type = q.task_type) AND (a.outcome = ANY (ARRAY['failed'::text, 'lease_expired'::text])) AND (a.finished_at > (now() - '01:00:00'::interval)))) AS failures_last_hour
   FROM public.job_queue q
  GROUP BY q.task_type;

--
-- Name: VIEW job_queue_metrics; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.job_queue_metrics IS 'Per task type: counts by status, due now, age of the oldest due job, failed attempts in the last hour.';

--
-- Name: mandate_audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mandate_audit (
    id uuid DEFAULT extensions.gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    user_id uuid,
    action text NOT NULL,
    org_ref text,
    provider text,
    credential_id uuid,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT mandate_audit_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text))
);

--
-- Name: TABLE mandate_audit; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.mandate_audit IS 'Append-only audit trail (seed 001 Phase 1/4, seed 000 cache warming). Written only through log_audit(); a user reads their own rows, admins and service_role read all; nobody updates or deletes (retention: purge_mandate_audit(), owner only).';

--
-- Name: mandate_audit_actions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.mandate_audit_actions (
    action text NOT NULL,
    description text NOT NULL,
    CONSTRAINT mandate_audit_actions_action_check CHECK ((action ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

--
-- Name: TABLE mandate_audit_actions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.mandate_audit_actions IS 'Action names log_audit() accepts. Add a row (as the owner) to log a new kind of action.';

--
-- Name: profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.profiles (
    id uuid NOT NULL,
    role text DEFAULT 'user'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE profiles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.profiles IS 'pgcadence: one row per auth user (id = auth.uid()); role ''admin'' makes is_admin_user() true.';

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
-- Name: refresh_queue; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.refresh_queue WITH (security_invoker='true') AS
 SELECT j.id,
    ((j.payload ->> 'tmdb_id'::text))::bigint AS work_id,
    j.status,
    j.priority,
    ( SELECT (count(*))::integer AS count
           FROM public.job_queue_attempt_log a
          WHERE ((a.job_id = j.id) AND (a.outcome = ANY (ARRAY['failed'::text, 'lease_expired'::text])))) AS retry_count,
    j.attempts,
    j.max_attempts,
    j.last_error,
    j.created_at AS queued_at,
    j.run_at AS next_attempt_at,
    j.started_at,
    j.finished_at,
    j.updated_at
   FROM public.job_queue j
  WHERE (j.task_type = 'refresh_movie'::text);

--
-- Name: VIEW refresh_queue; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.refresh_queue IS 'Refresh work items: the job queue''s refresh_movie jobs (work_id = tmdb_id; retry_count = failed attempts). Enqueue with enqueue_stale_movies(). Service role only.';

--
-- Name: scheduled_ingestion_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.scheduled_ingestion_log (
    id bigint NOT NULL,
    source text NOT NULL,
    requested_limit integer NOT NULL,
    trigger text NOT NULL,
    status text NOT NULL,
    fetched_count integer DEFAULT 0 NOT NULL,
    inserted_count integer DEFAULT 0 NOT NULL,
    updated_count integer DEFAULT 0 NOT NULL,
    refreshed_count integer DEFAULT 0 NOT NULL,
    error_count integer DEFAULT 0 NOT NULL,
    errors jsonb DEFAULT '[]'::jsonb NOT NULL,
    duration_ms integer,
    started_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT scheduled_ingestion_log_errors_check CHECK ((jsonb_typeof(errors) = 'array'::text)),
    CONSTRAINT scheduled_ingestion_log_status_check CHECK ((status = ANY (ARRAY['succeeded'::text, 'partial'::text, 'failed'::text]))),
    CONSTRAINT scheduled_ingestion_log_trigger_check CHECK ((trigger = ANY (ARRAY['cron'::text, 'manual'::text])))
);

--
-- Name: TABLE scheduled_ingestion_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.scheduled_ingestion_log IS 'One row per scheduled-ingest run: source, requested limit, trigger, fetched/inserted/updated/refreshed counts, errors, duration. Service role only.';

--
-- Name: scheduled_ingestion_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.scheduled_ingestion_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.scheduled_ingestion_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: stored_credentials; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stored_credentials (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    provider text NOT NULL,
    alias text NOT NULL,
    ciphertext bytea NOT NULL,
    key_fp text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stored_credentials_alias_check CHECK ((alias <> ''::text)),
    CONSTRAINT stored_credentials_ciphertext_check CHECK ((octet_length(ciphertext) >= (12 + 16))),
    CONSTRAINT stored_credentials_key_fp_check CHECK ((key_fp ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT stored_credentials_provider_check CHECK ((provider <> ''::text))
);

--
-- Name: TABLE stored_credentials; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.stored_credentials IS 'Provider credentials sealed by the runner: ciphertext = 12-byte nonce || AES-256-GCM(JSON) with the row id as associated data, under the CRED_SEAL_KEY whose fingerprint is key_fp. The key never enters the database.';

--
-- Name: sync_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sync_state (
    sync_name text NOT NULL,
    last_sync_at timestamp with time zone,
    last_result jsonb,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE sync_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.sync_state IS 'Last run of each sync (daily_refresh: when stale movies were last enqueued, and what happened). Service role only.';

--
-- Name: tmdb_api_logs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tmdb_api_logs (
    id bigint NOT NULL,
    endpoint text NOT NULL,
    tmdb_id bigint,
    status_code integer,
    error text,
    timed_out boolean DEFAULT false NOT NULL,
    duration_ms integer,
    rate_limit_limit integer,
    rate_limit_remaining integer,
    rate_limit_reset text,
    retry_after text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: TABLE tmdb_api_logs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.tmdb_api_logs IS 'One row per upstream (TMDB) call: endpoint (path and query, never the API key), status or error, duration, rate-limit headers. Service role only.';

--
-- Name: tmdb_api_logs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tmdb_api_logs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tmdb_api_logs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: secrets; Type: TABLE; Schema: vault; Owner: -
--

CREATE TABLE vault.secrets (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text,
    description text DEFAULT ''::text NOT NULL,
    secret text NOT NULL,
    key_id uuid,
    nonce bytea,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: TABLE secrets; Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON TABLE vault.secrets IS 'Encrypted secrets. secret = base64(AES-256-CBC ciphertext || HMAC-SHA256 tag); write through vault.create_secret/update_secret.';

--
-- Name: decrypted_secrets; Type: VIEW; Schema: vault; Owner: -
--

CREATE VIEW vault.decrypted_secrets WITH (security_invoker='true') AS
 SELECT s.id,
    s.name,
    s.description,
    s.secret,
    vault._decrypt(s.id, s.key_id, s.nonce, s.secret) AS decrypted_secret,
    s.key_id,
    s.nonce,
    s.created_at,
    s.updated_at
   FROM vault.secrets s;

--
-- Name: VIEW decrypted_secrets; Type: COMMENT; Schema: vault; Owner: -
--

COMMENT ON VIEW vault.decrypted_secrets IS 'Secrets with their decrypted value (Supabase Vault API); readable by service_role and the owner only.';

--
-- Name: http_request_queue id; Type: DEFAULT; Schema: net; Owner: -
--

ALTER TABLE ONLY net.http_request_queue ALTER COLUMN id SET DEFAULT nextval('net.http_request_queue_id_seq'::regclass);

--
-- Name: http_request_queue http_request_queue_pkey; Type: CONSTRAINT; Schema: net; Owner: -
--

ALTER TABLE ONLY net.http_request_queue
    ADD CONSTRAINT http_request_queue_pkey PRIMARY KEY (id);

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
-- Name: cron_job_meta cron_job_meta_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cron_job_meta
    ADD CONSTRAINT cron_job_meta_pkey PRIMARY KEY (jobname);

--
-- Name: cron_settings cron_settings_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cron_settings
    ADD CONSTRAINT cron_settings_pkey PRIMARY KEY (id);

--
-- Name: game_platform_settings game_platform_settings_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.game_platform_settings
    ADD CONSTRAINT game_platform_settings_pkey PRIMARY KEY (id);

--
-- Name: job_queue_settings job_queue_settings_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.job_queue_settings
    ADD CONSTRAINT job_queue_settings_pkey PRIMARY KEY (id);

--
-- Name: movies_settings movies_settings_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.movies_settings
    ADD CONSTRAINT movies_settings_pkey PRIMARY KEY (id);

--
-- Name: net_claims net_claims_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.net_claims
    ADD CONSTRAINT net_claims_pkey PRIMARY KEY (id);

--
-- Name: net_enqueue_marks net_enqueue_marks_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.net_enqueue_marks
    ADD CONSTRAINT net_enqueue_marks_pkey PRIMARY KEY (first_id);

--
-- Name: agentic_checkout_sessions agentic_checkout_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agentic_checkout_sessions
    ADD CONSTRAINT agentic_checkout_sessions_pkey PRIMARY KEY (id);

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
-- Name: cache_warm_targets cache_warm_targets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_warm_targets
    ADD CONSTRAINT cache_warm_targets_pkey PRIMARY KEY (org_ref, category);

--
-- Name: cached_programs cached_programs_org_category_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cached_programs
    ADD CONSTRAINT cached_programs_org_category_key UNIQUE (org_ref, category);

--
-- Name: cached_programs cached_programs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cached_programs
    ADD CONSTRAINT cached_programs_pkey PRIMARY KEY (id);

--
-- Name: competitors competitors_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.competitors
    ADD CONSTRAINT competitors_external_id_key UNIQUE (external_id);

--
-- Name: competitors competitors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.competitors
    ADD CONSTRAINT competitors_pkey PRIMARY KEY (id);

--
-- Name: game_platform_activity game_platform_activity_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.game_platform_activity
    ADD CONSTRAINT game_platform_activity_external_id_key UNIQUE (external_id);

--
-- Name: game_platform_activity game_platform_activity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.game_platform_activity
    ADD CONSTRAINT game_platform_activity_pkey PRIMARY KEY (id);

--
-- Name: game_platform_sync_state game_platform_sync_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.game_platform_sync_state
    ADD CONSTRAINT game_platform_sync_state_pkey PRIMARY KEY (scope);

--
-- Name: job_handlers job_handlers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_handlers
    ADD CONSTRAINT job_handlers_pkey PRIMARY KEY (task_type);

--
-- Name: job_queue_attempt_log job_queue_attempt_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_queue_attempt_log
    ADD CONSTRAINT job_queue_attempt_log_pkey PRIMARY KEY (job_id, attempt);

--
-- Name: job_queue job_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_queue
    ADD CONSTRAINT job_queue_pkey PRIMARY KEY (id);

--
-- Name: mandate_audit_actions mandate_audit_actions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mandate_audit_actions
    ADD CONSTRAINT mandate_audit_actions_pkey PRIMARY KEY (action);

--
-- Name: mandate_audit mandate_audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mandate_audit
    ADD CONSTRAINT mandate_audit_pkey PRIMARY KEY (id);

--
-- Name: movies movies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.movies
    ADD CONSTRAINT movies_pkey PRIMARY KEY (tmdb_id);

--
-- Name: profiles profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);

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
-- Name: scheduled_ingestion_log scheduled_ingestion_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scheduled_ingestion_log
    ADD CONSTRAINT scheduled_ingestion_log_pkey PRIMARY KEY (id);

--
-- Name: stored_credentials stored_credentials_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stored_credentials
    ADD CONSTRAINT stored_credentials_pkey PRIMARY KEY (id);

--
-- Name: sync_state sync_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sync_state
    ADD CONSTRAINT sync_state_pkey PRIMARY KEY (sync_name);

--
-- Name: tmdb_api_logs tmdb_api_logs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tmdb_api_logs
    ADD CONSTRAINT tmdb_api_logs_pkey PRIMARY KEY (id);

--
-- Name: secrets secrets_pkey; Type: CONSTRAINT; Schema: vault; Owner: -
--

ALTER TABLE ONLY vault.secrets
    ADD CONSTRAINT secrets_pkey PRIMARY KEY (id);

--
-- Name: _http_response_created_idx; Type: INDEX; Schema: net; Owner: -
--

CREATE INDEX _http_response_created_idx ON net._http_response USING btree (created);

--
-- Name: _http_response_id_idx; Type: INDEX; Schema: net; Owner: -
--

CREATE INDEX _http_response_id_idx ON net._http_response USING btree (id);

--
-- Name: agentic_checkout_sessions_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agentic_checkout_sessions_expires_idx ON public.agentic_checkout_sessions USING btree (expires_at);

--
-- Name: agentic_checkout_sessions_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agentic_checkout_sessions_user_idx ON public.agentic_checkout_sessions USING btree (user_id);

--
-- Name: cached_programs_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cached_programs_expires_idx ON public.cached_programs USING btree (expires_at);

--
-- Name: competitors_coach_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX competitors_coach_id_idx ON public.competitors USING btree (coach_id);

--
-- Name: competitors_needs_totals_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX competitors_needs_totals_idx ON public.competitors USING btree (last_activity_at, id) WHERE needs_totals_refresh;

--
-- Name: game_platform_activity_competitor_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX game_platform_activity_competitor_idx ON public.game_platform_activity USING btree (competitor_id, occurred_at);

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
-- Name: job_queue_attempt_log_finished_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_attempt_log_finished_at_idx ON public.job_queue_attempt_log USING brin (finished_at);

--
-- Name: job_queue_claimable_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_claimable_idx ON public.job_queue USING btree (priority DESC, run_at) WHERE (status = 'pending'::text);

--
-- Name: job_queue_dedupe_key_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX job_queue_dedupe_key_idx ON public.job_queue USING btree (dedupe_key) WHERE ((dedupe_key IS NOT NULL) AND (status = ANY (ARRAY['pending'::text, 'running'::text])));

--
-- Name: job_queue_lease_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_lease_idx ON public.job_queue USING btree (locked_until) WHERE (status = 'running'::text);

--
-- Name: job_queue_status_run_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_status_run_at_idx ON public.job_queue USING btree (status, run_at) WHERE (status <> 'running'::text);

--
-- Name: job_queue_task_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_queue_task_type_idx ON public.job_queue USING btree (task_type) WHERE (status = ANY (ARRAY['pending'::text, 'failed'::text]));

--
-- Name: mandate_audit_action_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX mandate_audit_action_created_idx ON public.mandate_audit USING btree (action, created_at DESC);

--
-- Name: mandate_audit_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX mandate_audit_created_at_idx ON public.mandate_audit USING btree (created_at DESC);

--
-- Name: mandate_audit_user_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX mandate_audit_user_created_idx ON public.mandate_audit USING btree (user_id, created_at DESC);

--
-- Name: movies_stale_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX movies_stale_at_idx ON public.movies USING btree (stale_at, tmdb_id);

--
-- Name: scheduled_ingestion_log_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX scheduled_ingestion_log_created_at_idx ON public.scheduled_ingestion_log USING btree (created_at DESC);

--
-- Name: stored_credentials_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stored_credentials_user_idx ON public.stored_credentials USING btree (user_id);

--
-- Name: tmdb_api_logs_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tmdb_api_logs_created_at_idx ON public.tmdb_api_logs USING brin (created_at);

--
-- Name: tmdb_api_logs_tmdb_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tmdb_api_logs_tmdb_id_idx ON public.tmdb_api_logs USING btree (tmdb_id) WHERE (tmdb_id IS NOT NULL);

--
-- Name: secrets_name_idx; Type: INDEX; Schema: vault; Owner: -
--

CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets USING btree (name) WHERE (name IS NOT NULL);

--
-- Name: http_request_queue net_enqueued; Type: TRIGGER; Schema: net; Owner: -
--

CREATE TRIGGER net_enqueued AFTER INSERT ON net.http_request_queue REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.net_enqueued();

--
-- Name: cache_storage cache_storage_before_write; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER cache_storage_before_write BEFORE INSERT OR UPDATE ON public.cache_storage FOR EACH ROW EXECUTE FUNCTION pgcadence.cache_storage_before_write();

--
-- Name: job_queue job_queue_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_queue_notify AFTER INSERT ON public.job_queue FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.job_queue_notify();

--
-- Name: mandate_audit mandate_audit_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER mandate_audit_no_truncate BEFORE TRUNCATE ON public.mandate_audit FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.mandate_audit_append_only();

--
-- Name: mandate_audit mandate_audit_no_update_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER mandate_audit_no_update_delete BEFORE DELETE OR UPDATE ON public.mandate_audit FOR EACH ROW EXECUTE FUNCTION pgcadence.mandate_audit_append_only();

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
-- Name: game_platform_activity game_platform_activity_competitor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.game_platform_activity
    ADD CONSTRAINT game_platform_activity_competitor_id_fkey FOREIGN KEY (competitor_id) REFERENCES public.competitors(id) ON DELETE CASCADE;

--
-- Name: mandate_audit mandate_audit_action_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.mandate_audit
    ADD CONSTRAINT mandate_audit_action_fkey FOREIGN KEY (action) REFERENCES public.mandate_audit_actions(action);

--
-- Name: _http_response; Type: ROW SECURITY; Schema: net; Owner: -
--

ALTER TABLE net._http_response ENABLE ROW LEVEL SECURITY;

--
-- Name: http_request_queue; Type: ROW SECURITY; Schema: net; Owner: -
--

ALTER TABLE net.http_request_queue ENABLE ROW LEVEL SECURITY;

--
-- Name: http_request_queue service_role_reads_queue; Type: POLICY; Schema: net; Owner: -
--

CREATE POLICY service_role_reads_queue ON net.http_request_queue FOR SELECT TO service_role USING (true);

--
-- Name: _http_response service_role_reads_responses; Type: POLICY; Schema: net; Owner: -
--

CREATE POLICY service_role_reads_responses ON net._http_response FOR SELECT TO service_role USING (true);

--
-- Name: cache_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.cache_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: cron_job_meta; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.cron_job_meta ENABLE ROW LEVEL SECURITY;

--
-- Name: cron_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.cron_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: game_platform_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.game_platform_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: job_queue_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.job_queue_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: movies_settings; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.movies_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: net_claims; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.net_claims ENABLE ROW LEVEL SECURITY;

--
-- Name: net_enqueue_marks; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.net_enqueue_marks ENABLE ROW LEVEL SECURITY;

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
-- Name: agentic_checkout_sessions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.agentic_checkout_sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: cache_stats; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cache_stats ENABLE ROW LEVEL SECURITY;

--
-- Name: cache_storage; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cache_storage ENABLE ROW LEVEL SECURITY;

--
-- Name: cache_warm_targets; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cache_warm_targets ENABLE ROW LEVEL SECURITY;

--
-- Name: cache_warm_targets cache_warm_targets_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY cache_warm_targets_admin_read ON public.cache_warm_targets FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: cache_warm_targets cache_warm_targets_admin_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY cache_warm_targets_admin_write ON public.cache_warm_targets TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user)) WITH CHECK (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: cached_programs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.cached_programs ENABLE ROW LEVEL SECURITY;

--
-- Name: cached_programs cached_programs_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY cached_programs_read ON public.cached_programs FOR SELECT TO authenticated USING (true);

--
-- Name: agentic_checkout_sessions checkout_sessions_owner_delete; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY checkout_sessions_owner_delete ON public.agentic_checkout_sessions FOR DELETE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: agentic_checkout_sessions checkout_sessions_owner_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY checkout_sessions_owner_insert ON public.agentic_checkout_sessions FOR INSERT TO authenticated WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: agentic_checkout_sessions checkout_sessions_owner_select; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY checkout_sessions_owner_select ON public.agentic_checkout_sessions FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: agentic_checkout_sessions checkout_sessions_owner_update; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY checkout_sessions_owner_update ON public.agentic_checkout_sessions FOR UPDATE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid))) WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: competitors; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.competitors ENABLE ROW LEVEL SECURITY;

--
-- Name: competitors competitors_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY competitors_admin_read ON public.competitors FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: competitors competitors_coach_read_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY competitors_coach_read_own ON public.competitors FOR SELECT TO authenticated USING ((coach_id = ( SELECT auth.uid() AS uid)));

--
-- Name: competitors competitors_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY competitors_service_role_all ON public.competitors TO service_role USING (true) WITH CHECK (true);

--
-- Name: game_platform_activity; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.game_platform_activity ENABLE ROW LEVEL SECURITY;

--
-- Name: game_platform_activity game_platform_activity_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY game_platform_activity_admin_read ON public.game_platform_activity FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: game_platform_activity game_platform_activity_coach_read_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY game_platform_activity_coach_read_own ON public.game_platform_activity FOR SELECT TO authenticated USING ((EXISTS ( SELECT 1
   FROM public.competitors c
  WHERE ((c.id = game_platform_activity.competitor_id) AND (c.coach_id = ( SELECT auth.uid() AS uid))))));

--
-- Name: game_platform_activity game_platform_activity_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY game_platform_activity_service_role_all ON public.game_platform_activity TO service_role USING (true) WITH CHECK (true);

--
-- Name: game_platform_sync_state; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.game_platform_sync_state ENABLE ROW LEVEL SECURITY;

--
-- Name: game_platform_sync_state game_platform_sync_state_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY game_platform_sync_state_admin_read ON public.game_platform_sync_state FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: game_platform_sync_state game_platform_sync_state_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY game_platform_sync_state_service_role_all ON public.game_platform_sync_state TO service_role USING (true) WITH CHECK (true);

--
-- Name: job_handlers; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.job_handlers ENABLE ROW LEVEL SECURITY;

--
-- Name: job_handlers job_handlers_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY job_handlers_admin_read ON public.job_handlers FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: job_handlers job_handlers_service; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY job_handlers_service ON public.job_handlers TO service_role USING (true) WITH CHECK (true);

--
-- Name: job_queue; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.job_queue ENABLE ROW LEVEL SECURITY;

--
-- Name: job_queue job_queue_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY job_queue_admin_read ON public.job_queue FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: job_queue_attempt_log; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.job_queue_attempt_log ENABLE ROW LEVEL SECURITY;

--
-- Name: job_queue_attempt_log job_queue_attempt_log_admin_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY job_queue_attempt_log_admin_read ON public.job_queue_attempt_log FOR SELECT TO authenticated USING (( SELECT public.is_admin_user() AS is_admin_user));

--
-- Name: mandate_audit; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.mandate_audit ENABLE ROW LEVEL SECURITY;

--
-- Name: mandate_audit_actions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.mandate_audit_actions ENABLE ROW LEVEL SECURITY;

--
-- Name: mandate_audit_actions mandate_audit_actions_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY mandate_audit_actions_read ON public.mandate_audit_actions FOR SELECT TO authenticated USING (true);

--
-- Name: mandate_audit mandate_audit_read_own_or_admin; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY mandate_audit_read_own_or_admin ON public.mandate_audit FOR SELECT TO authenticated USING (((user_id = ( SELECT auth.uid() AS uid)) OR ( SELECT public.is_admin_user() AS is_admin_user)));

--
-- Name: movies; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.movies ENABLE ROW LEVEL SECURITY;

--
-- Name: movies movies_read_authenticated; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY movies_read_authenticated ON public.movies FOR SELECT TO authenticated USING (true);

--
-- Name: movies movies_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY movies_service_role_all ON public.movies TO service_role USING (true) WITH CHECK (true);

--
-- Name: profiles; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;

--
-- Name: profiles profiles_read_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_read_own ON public.profiles FOR SELECT TO authenticated USING ((id = ( SELECT auth.uid() AS uid)));

--
-- Name: projects; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;

--
-- Name: scheduled_ingestion_log; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.scheduled_ingestion_log ENABLE ROW LEVEL SECURITY;

--
-- Name: scheduled_ingestion_log scheduled_ingestion_log_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY scheduled_ingestion_log_service_role_all ON public.scheduled_ingestion_log TO service_role USING (true) WITH CHECK (true);

--
-- Name: stored_credentials; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.stored_credentials ENABLE ROW LEVEL SECURITY;

--
-- Name: stored_credentials stored_credentials_owner_delete; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY stored_credentials_owner_delete ON public.stored_credentials FOR DELETE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: stored_credentials stored_credentials_owner_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY stored_credentials_owner_read ON public.stored_credentials FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: sync_state; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.sync_state ENABLE ROW LEVEL SECURITY;

--
-- Name: sync_state sync_state_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY sync_state_service_role_all ON public.sync_state TO service_role USING (true) WITH CHECK (true);

--
-- Name: tmdb_api_logs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.tmdb_api_logs ENABLE ROW LEVEL SECURITY;

--
-- Name: tmdb_api_logs tmdb_api_logs_service_role_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tmdb_api_logs_service_role_all ON public.tmdb_api_logs TO service_role USING (true) WITH CHECK (true);

--
-- Name: secrets; Type: ROW SECURITY; Schema: vault; Owner: -
--

ALTER TABLE vault.secrets ENABLE ROW LEVEL SECURITY;

--
-- Name: secrets secrets_service_role_delete; Type: POLICY; Schema: vault; Owner: -
--

CREATE POLICY secrets_service_role_delete ON vault.secrets FOR DELETE TO service_role USING (true);

--
-- Name: secrets secrets_service_role_read; Type: POLICY; Schema: vault; Owner: -
--

CREATE POLICY secrets_service_role_read ON vault.secrets FOR SELECT TO service_role USING (true);

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
-- Name: SCHEMA net; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA net TO anon;
GRANT USAGE ON SCHEMA net TO authenticated;
GRANT USAGE ON SCHEMA net TO service_role;

--
-- Name: SCHEMA vault; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA vault TO service_role;

--
-- Name: FUNCTION _await_response(request_id bigint); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net._await_response(request_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION net._await_response(request_id bigint) TO service_role;

--
-- Name: FUNCTION _encode_url_with_params_array(url text, params_array text[]); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net._encode_url_with_params_array(url text, params_array text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION net._encode_url_with_params_array(url text, params_array text[]) TO service_role;

--
-- Name: FUNCTION _http_collect_response(request_id bigint, async boolean); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net._http_collect_response(request_id bigint, async boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION net._http_collect_response(request_id bigint, async boolean) TO service_role;

--
-- Name: FUNCTION _urlencode_string(string character varying); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net._urlencode_string(string character varying) FROM PUBLIC;
GRANT ALL ON FUNCTION net._urlencode_string(string character varying) TO service_role;

--
-- Name: FUNCTION http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net.http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION net.http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb) TO anon;
GRANT ALL ON FUNCTION net.http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb) TO authenticated;
GRANT ALL ON FUNCTION net.http_delete(url text, params jsonb, headers jsonb, timeout_milliseconds integer, body jsonb) TO service_role;

--
-- Name: FUNCTION http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) TO anon;
GRANT ALL ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) TO authenticated;
GRANT ALL ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) TO service_role;

--
-- Name: FUNCTION http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) TO anon;
GRANT ALL ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) TO authenticated;
GRANT ALL ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) TO service_role;

--
-- Name: FUNCTION wake(); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net.wake() FROM PUBLIC;
GRANT ALL ON FUNCTION net.wake() TO service_role;

--
-- Name: FUNCTION worker_restart(); Type: ACL; Schema: net; Owner: -
--

REVOKE ALL ON FUNCTION net.worker_restart() FROM PUBLIC;
GRANT ALL ON FUNCTION net.worker_restart() TO service_role;

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
-- Name: FUNCTION call_function(function_name text, body jsonb, timeout_ms integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.call_function(function_name text, body jsonb, timeout_ms integer) FROM PUBLIC;

--
-- Name: FUNCTION cron_beat(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC;

--
-- Name: FUNCTION cron_caller(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_caller() FROM PUBLIC;

--
-- Name: FUNCTION cron_check_name(job_name text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_check_name(job_name text) FROM PUBLIC;

--
-- Name: FUNCTION cron_day_matches(spec pgcadence.cron_spec, ts timestamp without time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_day_matches(spec pgcadence.cron_spec, ts timestamp without time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_describe_safe(schedule text, timezone text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_describe_safe(schedule text, timezone text) FROM PUBLIC;

--
-- Name: FUNCTION cron_describe_spec(spec pgcadence.cron_spec); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_describe_spec(spec pgcadence.cron_spec) FROM PUBLIC;

--
-- Name: FUNCTION cron_en_list(items text[]); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_en_list(items text[]) FROM PUBLIC;

--
-- Name: FUNCTION cron_enqueue_command(task_type text, payload jsonb, max_attempts integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_enqueue_command(task_type text, payload jsonb, max_attempts integer) FROM PUBLIC;

--
-- Name: FUNCTION cron_field(field text, label text, lo integer, hi integer, names text[], name_base integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_field(field text, label text, lo integer, hi integer, names text[], name_base integer) FROM PUBLIC;

--
-- Name: FUNCTION cron_find_job(job_name text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_find_job(job_name text) FROM PUBLIC;

--
-- Name: FUNCTION cron_if_local(schedule text, timezone text, command text, at_time timestamp with time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_if_local(schedule text, timezone text, command text, at_time timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_local_due(schedule text, timezone text, at_time timestamp with time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_local_due(schedule text, timezone text, at_time timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_local_due_spec(spec pgcadence.cron_spec, timezone text, at_time timestamp with time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_local_due_spec(spec pgcadence.cron_spec, timezone text, at_time timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_matches(spec pgcadence.cron_spec, ts timestamp without time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_matches(spec pgcadence.cron_spec, ts timestamp without time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_next_naive(spec pgcadence.cron_spec, after timestamp without time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_next_naive(spec pgcadence.cron_spec, after timestamp without time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_next_run(schedule text, timezone text, after timestamp with time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_next_run(schedule text, timezone text, after timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_next_run_safe(schedule text, timezone text, after timestamp with time zone); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_next_run_safe(schedule text, timezone text, after timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION cron_parse(schedule text, check_fires boolean); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_parse(schedule text, check_fires boolean) FROM PUBLIC;

--
-- Name: FUNCTION cron_render_field(vals integer[], lo integer, hi integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_render_field(vals integer[], lo integer, hi integer) FROM PUBLIC;

--
-- Name: FUNCTION cron_require_admin(fn text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_require_admin(fn text) FROM PUBLIC;

--
-- Name: FUNCTION cron_schedule(job_name text, schedule text, command text, timezone text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_schedule(job_name text, schedule text, command text, timezone text) FROM PUBLIC;

--
-- Name: FUNCTION cron_schedule_task(job_name text, schedule text, task_type text, payload jsonb, max_attempts integer, timezone text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_schedule_task(job_name text, schedule text, task_type text, payload jsonb, max_attempts integer, timezone text) FROM PUBLIC;

--
-- Name: FUNCTION cron_timezone(tz text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_timezone(tz text) FROM PUBLIC;

--
-- Name: FUNCTION cron_tz(tz text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_tz(tz text) FROM PUBLIC;

--
-- Name: FUNCTION cron_unschedule(job_name text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_unschedule(job_name text) FROM PUBLIC;

--
-- Name: FUNCTION cron_utc_schedule(schedule text, timezone text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_utc_schedule(schedule text, timezone text) FROM PUBLIC;

--
-- Name: FUNCTION cron_zone_offsets(tz text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_zone_offsets(tz text) FROM PUBLIC;

--
-- Name: FUNCTION game_platform_scope(coach_id uuid); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.game_platform_scope(coach_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION header(headers jsonb, name text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.header(headers jsonb, name text) FROM PUBLIC;

--
-- Name: FUNCTION job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_check(fn text, task_type text, payload jsonb, max_attempts integer, max_payload integer) FROM PUBLIC;

--
-- Name: FUNCTION job_queue_not_found(fn text, job uuid); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_not_found(fn text, job uuid) FROM PUBLIC;

--
-- Name: FUNCTION job_queue_notify(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_notify() FROM PUBLIC;

--
-- Name: FUNCTION job_queue_require_manager(fn text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.job_queue_require_manager(fn text) FROM PUBLIC;

--
-- Name: FUNCTION mandate_audit_append_only(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.mandate_audit_append_only() FROM PUBLIC;

--
-- Name: FUNCTION net_claim(w integer, n integer, max_timeout_ms integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_claim(w integer, n integer, max_timeout_ms integer) FROM PUBLIC;

--
-- Name: FUNCTION net_complete(ids bigint[], status_codes integer[], content_types text[], headers text[], contents text[], timed_out boolean[], error_msgs text[]); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_complete(ids bigint[], status_codes integer[], content_types text[], headers text[], contents text[], timed_out boolean[], error_msgs text[]) FROM PUBLIC;

--
-- Name: FUNCTION net_enqueued(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_enqueued() FROM PUBLIC;

--
-- Name: FUNCTION net_live_workers(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_live_workers() FROM PUBLIC;

--
-- Name: FUNCTION net_lock_class(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_lock_class() FROM PUBLIC;

--
-- Name: FUNCTION net_maintain(ttl interval, batch integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_maintain(ttl interval, batch integer) FROM PUBLIC;

--
-- Name: FUNCTION net_outcomes(since interval); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_outcomes(since interval) FROM PUBLIC;

--
-- Name: FUNCTION net_params_array(params jsonb); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_params_array(params jsonb) FROM PUBLIC;

--
-- Name: FUNCTION net_release(w integer, ids bigint[]); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_release(w integer, ids bigint[]) FROM PUBLIC;

--
-- Name: FUNCTION net_require(url text, timeout_milliseconds integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_require(url text, timeout_milliseconds integer) FROM PUBLIC;

--
-- Name: FUNCTION net_status(OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.net_status(OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer) FROM PUBLIC;

--
-- Name: FUNCTION request_role(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.request_role() FROM PUBLIC;

--
-- Name: FUNCTION retry_after_seconds(value text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.retry_after_seconds(value text) FROM PUBLIC;

--
-- Name: FUNCTION upstream_date(value text); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.upstream_date(value text) FROM PUBLIC;

--
-- Name: FUNCTION access_credential(p_id uuid, p_metadata jsonb); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.access_credential(p_id uuid, p_metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.access_credential(p_id uuid, p_metadata jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.access_credential(p_id uuid, p_metadata jsonb) TO service_role;

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
-- Name: FUNCTION cache_warm_plan(p_org_ref text, p_category text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cache_warm_plan(p_org_ref text, p_category text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cache_warm_plan(p_org_ref text, p_category text) TO service_role;

--
-- Name: FUNCTION call_daily_refresh(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.call_daily_refresh() FROM PUBLIC;
GRANT ALL ON FUNCTION public.call_daily_refresh() TO service_role;

--
-- Name: FUNCTION call_job_queue_worker(max_jobs integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.call_job_queue_worker(max_jobs integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.call_job_queue_worker(max_jobs integer) TO service_role;

--
-- Name: FUNCTION call_refresh_worker(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.call_refresh_worker() FROM PUBLIC;
GRANT ALL ON FUNCTION public.call_refresh_worker() TO service_role;

--
-- Name: FUNCTION call_scheduled_ingest(source text, limit_count integer, trigger text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.call_scheduled_ingest(source text, limit_count integer, trigger text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.call_scheduled_ingest(source text, limit_count integer, trigger text) TO service_role;

--
-- Name: FUNCTION cleanup_expired_checkout_sessions(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cleanup_expired_checkout_sessions() FROM PUBLIC;
GRANT ALL ON FUNCTION public.cleanup_expired_checkout_sessions() TO service_role;

--
-- Name: FUNCTION create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb, max_attempts integer, timezone text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb, max_attempts integer, timezone text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb, max_attempts integer, timezone text) TO authenticated;
GRANT ALL ON FUNCTION public.create_cron_job(job_name text, job_schedule text, task_type text, task_payload jsonb, max_attempts integer, timezone text) TO service_role;

--
-- Name: FUNCTION cron_health(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cron_health() FROM PUBLIC;
GRANT ALL ON FUNCTION public.cron_health() TO authenticated;
GRANT ALL ON FUNCTION public.cron_health() TO service_role;

--
-- Name: FUNCTION cron_history_cleanup(keep interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.cron_history_cleanup(keep interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cron_history_cleanup(keep interval) TO authenticated;
GRANT ALL ON FUNCTION public.cron_history_cleanup(keep interval) TO service_role;

--
-- Name: FUNCTION delete_cron_job(job_name text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.delete_cron_job(job_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.delete_cron_job(job_name text) TO authenticated;
GRANT ALL ON FUNCTION public.delete_cron_job(job_name text) TO service_role;

--
-- Name: FUNCTION describe_cron_schedule(schedule text, timezone text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.describe_cron_schedule(schedule text, timezone text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.describe_cron_schedule(schedule text, timezone text) TO authenticated;
GRANT ALL ON FUNCTION public.describe_cron_schedule(schedule text, timezone text) TO service_role;

--
-- Name: FUNCTION enqueue_stale_movies(limit_count integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.enqueue_stale_movies(limit_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.enqueue_stale_movies(limit_count integer) TO service_role;

--
-- Name: FUNCTION game_platform_competitors_to_sweep(limit_count integer, coach_id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.game_platform_competitors_to_sweep(limit_count integer, coach_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.game_platform_competitors_to_sweep(limit_count integer, coach_id uuid) TO service_role;

--
-- Name: FUNCTION game_platform_config(OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.game_platform_config(OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.game_platform_config(OUT base_url text, OUT api_key text, OUT timeout_ms integer, OUT sweep_batch integer) TO service_role;

--
-- Name: FUNCTION game_platform_configure(base_url text, timeout_ms integer, sweep_batch integer, api_key_secret text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.game_platform_configure(base_url text, timeout_ms integer, sweep_batch integer, api_key_secret text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.game_platform_configure(base_url text, timeout_ms integer, sweep_batch integer, api_key_secret text) TO service_role;

--
-- Name: FUNCTION game_platform_record_activity(activities jsonb, coach_id uuid, dry_run boolean); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.game_platform_record_activity(activities jsonb, coach_id uuid, dry_run boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.game_platform_record_activity(activities jsonb, coach_id uuid, dry_run boolean) TO service_role;

--
-- Name: FUNCTION game_platform_store_totals(competitor_id uuid, totals jsonb, seen_last_activity_at timestamp with time zone); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.game_platform_store_totals(competitor_id uuid, totals jsonb, seen_last_activity_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.game_platform_store_totals(competitor_id uuid, totals jsonb, seen_last_activity_at timestamp with time zone) TO service_role;

--
-- Name: FUNCTION game_platform_sync_window(coach_id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.game_platform_sync_window(coach_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.game_platform_sync_window(coach_id uuid) TO service_role;

--
-- Name: FUNCTION get_cron_job_runs(limit_count integer, job_name text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_cron_job_runs(limit_count integer, job_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_cron_job_runs(limit_count integer, job_name text) TO authenticated;
GRANT ALL ON FUNCTION public.get_cron_job_runs(limit_count integer, job_name text) TO service_role;

--
-- Name: FUNCTION get_cron_jobs(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_cron_jobs() FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_cron_jobs() TO authenticated;
GRANT ALL ON FUNCTION public.get_cron_jobs() TO service_role;

--
-- Name: FUNCTION get_service_role_key(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_service_role_key() FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_service_role_key() TO service_role;

--
-- Name: FUNCTION get_stale_movies(limit_count integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_stale_movies(limit_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_stale_movies(limit_count integer) TO service_role;

--
-- Name: FUNCTION get_supabase_url(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_supabase_url() FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_supabase_url() TO service_role;

--
-- Name: FUNCTION ingest_movie_list(results jsonb, limit_count integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.ingest_movie_list(results jsonb, limit_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.ingest_movie_list(results jsonb, limit_count integer) TO service_role;

--
-- Name: FUNCTION is_admin_user(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.is_admin_user() FROM PUBLIC;
GRANT ALL ON FUNCTION public.is_admin_user() TO anon;
GRANT ALL ON FUNCTION public.is_admin_user() TO authenticated;
GRANT ALL ON FUNCTION public.is_admin_user() TO service_role;

--
-- Name: FUNCTION movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION public.movie_stale_at(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, gone_at timestamp with time zone) TO service_role;

--
-- Name: TABLE movies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.movies TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.movies TO service_role;

--
-- Name: FUNCTION is_stale(movie public.movies); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.is_stale(movie public.movies) FROM PUBLIC;
GRANT ALL ON FUNCTION public.is_stale(movie public.movies) TO authenticated;
GRANT ALL ON FUNCTION public.is_stale(movie public.movies) TO service_role;

--
-- Name: FUNCTION is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION public.is_stale(release_date date, popularity double precision, last_refreshed_at timestamp with time zone, at_time timestamp with time zone) TO service_role;

--
-- Name: FUNCTION job_queue_cancel(id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_cancel(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_cancel(id uuid) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_cancel(id uuid) TO authenticated;

--
-- Name: FUNCTION job_queue_claim(batch_size integer, worker_id text, lease interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_claim(batch_size integer, worker_id text, lease interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_claim(batch_size integer, worker_id text, lease interval) TO service_role;

--
-- Name: FUNCTION job_queue_cleanup(retain interval, statuses text[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_cleanup(retain interval, statuses text[]) TO authenticated;

--
-- Name: FUNCTION job_queue_complete(id uuid, result jsonb, attempt integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_complete(id uuid, result jsonb, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_complete(id uuid, result jsonb, attempt integer) TO service_role;

--
-- Name: FUNCTION job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer, worker_id text, lease interval, results jsonb[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer, worker_id text, lease interval, results jsonb[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_complete_and_claim(ids uuid[], attempts integer[], batch_size integer, worker_id text, lease interval, results jsonb[]) TO service_role;

--
-- Name: FUNCTION job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_complete_batch(ids uuid[], attempts integer[], results jsonb[]) TO service_role;

--
-- Name: FUNCTION job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_enqueue(task_type text, payload jsonb, run_at timestamp with time zone, max_attempts integer, priority integer, dedupe_key text) TO authenticated;

--
-- Name: FUNCTION job_queue_enqueue_batch(jobs jsonb); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_enqueue_batch(jobs jsonb) TO authenticated;

--
-- Name: FUNCTION job_queue_fail(id uuid, error text, attempt integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_fail(id uuid, error text, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_fail(id uuid, error text, attempt integer) TO service_role;

--
-- Name: FUNCTION job_queue_get(id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_get(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_get(id uuid) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_get(id uuid) TO authenticated;

--
-- Name: FUNCTION job_queue_heartbeat(id uuid, extend interval, attempt integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_heartbeat(id uuid, extend interval, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_heartbeat(id uuid, extend interval, attempt integer) TO service_role;

--
-- Name: TABLE job_queue; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.job_queue TO service_role;
GRANT SELECT ON TABLE public.job_queue TO authenticated;

--
-- Name: FUNCTION job_queue_list(status text, task_type text, max_rows integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_list(status text, task_type text, max_rows integer) TO authenticated;

--
-- Name: FUNCTION job_queue_next_run_at(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_next_run_at() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_next_run_at() TO service_role;

--
-- Name: FUNCTION job_queue_pause(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_pause() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_pause() TO service_role;
GRANT ALL ON FUNCTION public.job_queue_pause() TO authenticated;

--
-- Name: FUNCTION job_queue_paused(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_paused() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_paused() TO service_role;
GRANT ALL ON FUNCTION public.job_queue_paused() TO authenticated;

--
-- Name: FUNCTION job_queue_release(id uuid, attempt integer, reason text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_release(id uuid, attempt integer, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_release(id uuid, attempt integer, reason text) TO service_role;

--
-- Name: FUNCTION job_queue_resume(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_resume() FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_resume() TO service_role;
GRANT ALL ON FUNCTION public.job_queue_resume() TO authenticated;

--
-- Name: FUNCTION job_queue_retry(id uuid, extra_attempts integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_retry(id uuid, extra_attempts integer) TO authenticated;

--
-- Name: FUNCTION job_queue_retry_delay(attempt integer, u double precision); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) TO service_role;
GRANT ALL ON FUNCTION public.job_queue_retry_delay(attempt integer, u double precision) TO authenticated;

--
-- Name: FUNCTION list_job_handlers(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.list_job_handlers() FROM PUBLIC;
GRANT ALL ON FUNCTION public.list_job_handlers() TO authenticated;
GRANT ALL ON FUNCTION public.list_job_handlers() TO service_role;

--
-- Name: FUNCTION load_checkout_session(p_id text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.load_checkout_session(p_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.load_checkout_session(p_id text) TO authenticated;
GRANT ALL ON FUNCTION public.load_checkout_session(p_id text) TO service_role;

--
-- Name: FUNCTION log_audit(p_action text, p_user_id uuid, p_org_ref text, p_provider text, p_credential_id uuid, p_metadata jsonb); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.log_audit(p_action text, p_user_id uuid, p_org_ref text, p_provider text, p_credential_id uuid, p_metadata jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.log_audit(p_action text, p_user_id uuid, p_org_ref text, p_provider text, p_credential_id uuid, p_metadata jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.log_audit(p_action text, p_user_id uuid, p_org_ref text, p_provider text, p_credential_id uuid, p_metadata jsonb) TO service_role;

--
-- Name: FUNCTION log_scheduled_ingestion(source text, requested_limit integer, trigger text, fetched integer, inserted integer, updated integer, refreshed integer, errors jsonb, duration_ms integer, started_at timestamp with time zone); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.log_scheduled_ingestion(source text, requested_limit integer, trigger text, fetched integer, inserted integer, updated integer, refreshed integer, errors jsonb, duration_ms integer, started_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.log_scheduled_ingestion(source text, requested_limit integer, trigger text, fetched integer, inserted integer, updated integer, refreshed integer, errors jsonb, duration_ms integer, started_at timestamp with time zone) TO service_role;

--
-- Name: FUNCTION movie_refresh_interval(release_date date, popularity double precision, refreshed_on date); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date) FROM PUBLIC;
GRANT ALL ON FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date) TO authenticated;
GRANT ALL ON FUNCTION public.movie_refresh_interval(release_date date, popularity double precision, refreshed_on date) TO service_role;

--
-- Name: FUNCTION movie_refresh_priority(popularity double precision); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.movie_refresh_priority(popularity double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.movie_refresh_priority(popularity double precision) TO authenticated;
GRANT ALL ON FUNCTION public.movie_refresh_priority(popularity double precision) TO service_role;

--
-- Name: FUNCTION purge_mandate_audit(p_older_than interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.purge_mandate_audit(p_older_than interval) FROM PUBLIC;

--
-- Name: FUNCTION record_cache_warm(p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text, p_user_id uuid, p_credential_id uuid, p_provider text, p_ttl interval, p_attempts integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.record_cache_warm(p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text, p_user_id uuid, p_credential_id uuid, p_provider text, p_ttl interval, p_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_cache_warm(p_org_ref text, p_category text, p_programs jsonb, p_duration_ms integer, p_error text, p_user_id uuid, p_credential_id uuid, p_provider text, p_ttl interval, p_attempts integer) TO service_role;

--
-- Name: FUNCTION record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb, body jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb, body jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_movie_fetch(tmdb_id bigint, endpoint text, status_code integer, headers jsonb, body jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer) TO service_role;

--
-- Name: FUNCTION register_job_handler(task_type text, description text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.register_job_handler(task_type text, description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.register_job_handler(task_type text, description text) TO service_role;

--
-- Name: FUNCTION reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.reseal_credential(p_id uuid, p_ciphertext bytea, p_key_fp text) FROM PUBLIC;

--
-- Name: FUNCTION run_cron_job_now(job_name text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.run_cron_job_now(job_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.run_cron_job_now(job_name text) TO authenticated;
GRANT ALL ON FUNCTION public.run_cron_job_now(job_name text) TO service_role;

--
-- Name: FUNCTION save_checkout_session(p_id text, p_context jsonb, p_provider_id text, p_user_id uuid, p_ttl interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.save_checkout_session(p_id text, p_context jsonb, p_provider_id text, p_user_id uuid, p_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.save_checkout_session(p_id text, p_context jsonb, p_provider_id text, p_user_id uuid, p_ttl interval) TO authenticated;
GRANT ALL ON FUNCTION public.save_checkout_session(p_id text, p_context jsonb, p_provider_id text, p_user_id uuid, p_ttl interval) TO service_role;

--
-- Name: FUNCTION scheduled_ingest_plan(source text, limit_count integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.scheduled_ingest_plan(source text, limit_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.scheduled_ingest_plan(source text, limit_count integer) TO service_role;

--
-- Name: FUNCTION set_cron_history_retention(keep interval); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.set_cron_history_retention(keep interval) FROM PUBLIC;
GRANT ALL ON FUNCTION public.set_cron_history_retention(keep interval) TO authenticated;
GRANT ALL ON FUNCTION public.set_cron_history_retention(keep interval) TO service_role;

--
-- Name: FUNCTION store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text) TO authenticated;
GRANT ALL ON FUNCTION public.store_credential(p_id uuid, p_user_id uuid, p_provider text, p_alias text, p_ciphertext bytea, p_key_fp text) TO service_role;

--
-- Name: FUNCTION tmdb_config(OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer, OUT requests_per_second double precision); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.tmdb_config(OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer, OUT requests_per_second double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.tmdb_config(OUT base_url text, OUT api_key text, OUT auth_style text, OUT timeout_ms integer, OUT requests_per_second double precision) TO service_role;

--
-- Name: FUNCTION tmdb_configure(base_url text, requests_per_second double precision, timeout_ms integer, auth_style text, api_key_secret text, max_retry_after_s integer, max_429_waits integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.tmdb_configure(base_url text, requests_per_second double precision, timeout_ms integer, auth_style text, api_key_secret text, max_retry_after_s integer, max_429_waits integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.tmdb_configure(base_url text, requests_per_second double precision, timeout_ms integer, auth_style text, api_key_secret text, max_retry_after_s integer, max_429_waits integer) TO service_role;

--
-- Name: FUNCTION tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.tmdb_log_call(endpoint text, tmdb_id bigint, status_code integer, headers jsonb, duration_ms integer, error text, timed_out boolean, waits_so_far integer) TO service_role;

--
-- Name: FUNCTION tmdb_rate_acquire(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.tmdb_rate_acquire() FROM PUBLIC;
GRANT ALL ON FUNCTION public.tmdb_rate_acquire() TO service_role;

--
-- Name: FUNCTION toggle_cron_job(job_name text, new_active boolean); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.toggle_cron_job(job_name text, new_active boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.toggle_cron_job(job_name text, new_active boolean) TO authenticated;
GRANT ALL ON FUNCTION public.toggle_cron_job(job_name text, new_active boolean) TO service_role;

--
-- Name: FUNCTION update_cron_schedule(job_name text, new_schedule text, timezone text); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text) TO authenticated;
GRANT ALL ON FUNCTION public.update_cron_schedule(job_name text, new_schedule text, timezone text) TO service_role;

--
-- Name: FUNCTION upsert_movie(doc jsonb, refreshed boolean); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.upsert_movie(doc jsonb, refreshed boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.upsert_movie(doc jsonb, refreshed boolean) TO service_role;

--
-- Name: FUNCTION _decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) FROM PUBLIC;
GRANT ALL ON FUNCTION vault._decrypt(p_id uuid, p_key_id uuid, p_nonce bytea, p_secret text) TO service_role;

--
-- Name: FUNCTION _encrypt(p_id uuid, p_key_id uuid, p_plain text, OUT secret text, OUT nonce bytea, OUT key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._encrypt(p_id uuid, p_key_id uuid, p_plain text, OUT secret text, OUT nonce bytea, OUT key_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._key(p_key_id uuid, OUT key_id uuid, OUT enc_key bytea, OUT mac_key bytea) FROM PUBLIC;

--
-- Name: FUNCTION _key_file(); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._key_file() FROM PUBLIC;

--
-- Name: FUNCTION _key_file_digest(); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._key_file_digest() FROM PUBLIC;

--
-- Name: FUNCTION _keys(); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._keys() FROM PUBLIC;

--
-- Name: FUNCTION _reencrypt_all(p_key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._reencrypt_all(p_key_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION _tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault._tag(p_mac_key bytea, p_id uuid, p_key_id uuid, p_nonce bytea, p_ct bytea) FROM PUBLIC;

--
-- Name: FUNCTION create_secret(new_secret text, new_name text, new_description text, new_key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault.create_secret(new_secret text, new_name text, new_description text, new_key_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION vault.create_secret(new_secret text, new_name text, new_description text, new_key_id uuid) TO service_role;

--
-- Name: FUNCTION update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid); Type: ACL; Schema: vault; Owner: -
--

REVOKE ALL ON FUNCTION vault.update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION vault.update_secret(secret_id uuid, new_secret text, new_name text, new_description text, new_key_id uuid) TO service_role;

--
-- Name: TABLE _http_response; Type: ACL; Schema: net; Owner: -
--

GRANT SELECT ON TABLE net._http_response TO service_role;

--
-- Name: TABLE http_request_queue; Type: ACL; Schema: net; Owner: -
--

GRANT SELECT,DELETE ON TABLE net.http_request_queue TO service_role;

--
-- Name: TABLE agentic_checkout_sessions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.agentic_checkout_sessions TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.agentic_checkout_sessions TO service_role;

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
-- Name: TABLE cache_warm_targets; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cache_warm_targets TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cache_warm_targets TO service_role;

--
-- Name: TABLE cached_programs; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.cached_programs TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cached_programs TO service_role;

--
-- Name: TABLE competitors; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.competitors TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.competitors TO service_role;

--
-- Name: TABLE game_platform_activity; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.game_platform_activity TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.game_platform_activity TO service_role;

--
-- Name: TABLE game_platform_sync_state; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.game_platform_sync_state TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.game_platform_sync_state TO service_role;

--
-- Name: TABLE job_handlers; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.job_handlers TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.job_handlers TO service_role;

--
-- Name: TABLE job_queue_attempt_log; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.job_queue_attempt_log TO service_role;
GRANT SELECT ON TABLE public.job_queue_attempt_log TO authenticated;

--
-- Name: TABLE job_queue_attempts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.job_queue_attempts TO authenticated;
GRANT SELECT ON TABLE public.job_queue_attempts TO service_role;

--
-- Name: TABLE job_queue_metrics; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.job_queue_metrics TO authenticated;
GRANT SELECT ON TABLE public.job_queue_metrics TO service_role;

--
-- Name: TABLE mandate_audit; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.mandate_audit TO authenticated;
GRANT SELECT ON TABLE public.mandate_audit TO service_role;

--
-- Name: TABLE mandate_audit_actions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.mandate_audit_actions TO authenticated;
GRANT SELECT ON TABLE public.mandate_audit_actions TO service_role;

--
-- Name: TABLE profiles; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.profiles TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.profiles TO service_role;

--
-- Name: TABLE projects; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.projects TO service_role;

--
-- Name: SEQUENCE projects_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.projects_id_seq TO service_role;

--
-- Name: TABLE refresh_queue; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.refresh_queue TO service_role;

--
-- Name: TABLE scheduled_ingestion_log; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.scheduled_ingestion_log TO service_role;

--
-- Name: TABLE stored_credentials; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,DELETE ON TABLE public.stored_credentials TO authenticated;
GRANT SELECT,DELETE ON TABLE public.stored_credentials TO service_role;

--
-- Name: TABLE sync_state; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.sync_state TO service_role;

--
-- Name: TABLE tmdb_api_logs; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.tmdb_api_logs TO service_role;

--
-- Name: TABLE secrets; Type: ACL; Schema: vault; Owner: -
--

GRANT SELECT,DELETE ON TABLE vault.secrets TO service_role;

--
-- Name: TABLE decrypted_secrets; Type: ACL; Schema: vault; Owner: -
--

GRANT SELECT ON TABLE vault.decrypted_secrets TO service_role;

--
-- PostgreSQL database dump complete
--
