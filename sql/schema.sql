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
    BEGIN
        WHILE NOT EXISTS (SELECT 1 FROM net._http_response r WHERE r.id = request_id) LOOP
            -- Unknown (or already expired) ids: stop; the caller reports "not found".
            IF NOT EXISTS (SELECT 1 FROM net.http_request_queue q WHERE q.id = request_id) THEN
                RETURN false;
            END IF;
            -- pg_net would wait forever here: the sender cannot see an uncommitted request.
            IF EXISTS (SELECT 1 FROM net.http_request_queue q
                        WHERE q.id = request_id
                          AND q.xmin::text = (pg_catalog.txid_current_if_assigned() % 4294967296)::text) THEN
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
            BEGIN
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
            END;
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
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
        SELECT coalesce(pg_catalog.string_agg(
                   CASE WHEN (b BETWEEN 48 AND 57) OR (b BETWEEN 65 AND 90) OR (b BETWEEN 97 AND 122)
                             OR b IN (45, 46, 95, 126)
                        THEN pg_catalog.chr(b)
                        ELSE '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(b), 2, '0'))
                   END, '' ORDER BY i), '')
        FROM (SELECT i, pg_catalog.get_byte(raw, i) AS b
                FROM (SELECT pg_catalog.convert_to(string, 'UTF8') AS raw) r,
                     pg_catalog.generate_series(0, pg_catalog.octet_length(r.raw) - 1) AS i) s
    $$;

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
-- Name: cron_beat(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_beat() RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.cron_heartbeat SET beats = beats + 1, beat_at = pg_catalog.now();
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
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
        SELECT coalesce(pg_catalog.array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)),
                        '{}'::text[])
          FROM pg_catalog.jsonb_each_text(coalesce(params, '{}'::jsonb))
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
-- Name: http_request_queue id; Type: DEFAULT; Schema: net; Owner: -
--

ALTER TABLE ONLY net.http_request_queue ALTER COLUMN id SET DEFAULT nextval('net.http_request_queue_id_seq'::regclass);

--
-- Name: http_request_queue http_request_queue_pkey; Type: CONSTRAINT; Schema: net; Owner: -
--

ALTER TABLE ONLY net.http_request_queue
    ADD CONSTRAINT http_request_queue_pkey PRIMARY KEY (id);

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
-- Name: _http_response_created_idx; Type: INDEX; Schema: net; Owner: -
--

CREATE INDEX _http_response_created_idx ON net._http_response USING btree (created);

--
-- Name: _http_response_id_idx; Type: INDEX; Schema: net; Owner: -
--

CREATE INDEX _http_response_id_idx ON net._http_response USING btree (id);

--
-- Name: http_request_queue net_enqueued; Type: TRIGGER; Schema: net; Owner: -
--

CREATE TRIGGER net_enqueued AFTER INSERT ON net.http_request_queue REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.net_enqueued();

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
-- Name: net_claims; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.net_claims ENABLE ROW LEVEL SECURITY;

--
-- Name: net_enqueue_marks; Type: ROW SECURITY; Schema: pgcadence; Owner: -
--

ALTER TABLE pgcadence.net_enqueue_marks ENABLE ROW LEVEL SECURITY;

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
-- Name: FUNCTION cron_beat(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC;

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
-- Name: TABLE _http_response; Type: ACL; Schema: net; Owner: -
--

GRANT SELECT ON TABLE net._http_response TO service_role;

--
-- Name: TABLE http_request_queue; Type: ACL; Schema: net; Owner: -
--

GRANT SELECT,DELETE ON TABLE net.http_request_queue TO service_role;

--
-- PostgreSQL database dump complete
--
