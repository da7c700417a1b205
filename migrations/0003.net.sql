-- pg_net-compatible `net` schema (COMPAT.md, pg_net 0.20.x) and the bookkeeping
-- its sender (runner/net_worker.py, run by `pgcadence serve` or `pgcadence net-worker`)
-- needs. When the real pg_net extension can run here (installed, or available and
-- preloaded) it is used instead and nothing else is created.
--
-- Beyond pg_net: both tables are LOGGED (a crash or restart loses no queued
-- request); claims are leases in a side table (pgcadence.net_claims), so a request
-- whose sender died is sent again (at least once; see README "Delivery guarantee");
-- a NOTIFY at commit wakes the sender; the queue has a primary key so claiming and
-- completing stay O(batch) with a large backlog.
--
-- The whole shim sits in one DO block so that it is skipped as a unit when pg_net
-- is present; every statement in it is plain DDL.

DO $migration$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_net')
       OR (EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_net')
           AND 'pg_net' = ANY (pg_catalog.string_to_array(
                   pg_catalog.replace(pg_catalog.current_setting('shared_preload_libraries'), ' ', ''), ',')))
    THEN
        CREATE EXTENSION IF NOT EXISTS pg_net;
        RAISE NOTICE 'pg_net is available: using the real extension, no shim created';
        RETURN;
    END IF;

    -- ======================================================== schema and types
    CREATE SCHEMA net;
    COMMENT ON SCHEMA net IS
        'pg_net-compatible asynchronous HTTP (pgcadence shim): net.http_get/http_post/http_delete enqueue, the pgcadence sender delivers.';

    -- Same domain as pg_net: the methods the sender knows.
    CREATE DOMAIN net.http_method AS text
        CHECK (VALUE ILIKE 'get' OR VALUE ILIKE 'post' OR VALUE ILIKE 'delete');

    CREATE TYPE net.request_status AS ENUM ('PENDING', 'SUCCESS', 'ERROR');
    COMMENT ON TYPE net.request_status IS 'Lifecycle state of a request, as pg_net defines it.';

    CREATE TYPE net.http_response AS (
        status_code integer,
        headers jsonb,
        body text
    );
    COMMENT ON TYPE net.http_response IS 'An HTTP answer: status code, headers (jsonb), body (text).';

    CREATE TYPE net.http_response_result AS (
        status net.request_status,
        message text,
        response net.http_response
    );
    COMMENT ON TYPE net.http_response_result IS 'What net._http_collect_response returns.';

    -- ======================================================== tables
    -- Pending requests, exactly pg_net's columns. LOGGED (pg_net: UNLOGGED) so a crash
    -- loses nothing; the primary key lets the sender claim and complete by id cheaply.
    CREATE TABLE net.http_request_queue (
        id bigserial PRIMARY KEY,
        method net.http_method NOT NULL,
        url text NOT NULL,
        headers jsonb,
        body bytea,
        timeout_milliseconds integer NOT NULL
    );
    COMMENT ON TABLE net.http_request_queue IS
        'Requests waiting to be sent (pg_net shape). A row leaves the queue in the transaction that writes its net._http_response row.';

    -- Responses, exactly pg_net's columns; deleted after the TTL (pg_net.ttl, default 6 hours).
    CREATE TABLE net._http_response (
        id bigint,
        status_code integer,
        content_type text,
        headers jsonb,
        content text,
        timed_out boolean,
        error_msg text,
        created timestamptz NOT NULL DEFAULT pg_catalog.now()
    );
    COMMENT ON TABLE net._http_response IS
        'One row per finished request (pg_net shape): HTTP answers of any status, or error_msg/timed_out for transport failures.';

    -- ======================================================== indexes
    CREATE INDEX ON net._http_response (created);   -- as pg_net: TTL cleanup
    CREATE INDEX ON net._http_response (id);        -- ours: _http_collect_response by id

    -- ======================================================== sender bookkeeping (not pg_net)
    -- Leases: a queued request claimed by a running sender. A claim is live while its
    -- sender holds advisory lock (net_lock_class(), worker) and lease_until is ahead.
    CREATE TABLE pgcadence.net_claims (
        id bigint PRIMARY KEY,
        worker integer NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
        lease_until timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 1
    );
    COMMENT ON TABLE pgcadence.net_claims IS
        'Requests of net.http_request_queue a sender is working on (leases); kept out of the pg_net-shaped table.';

    -- When requests were enqueued: one row per enqueuing transaction (first id, time),
    -- so "oldest queued request" has an age without a column pg_net does not have.
    CREATE TABLE pgcadence.net_enqueue_marks (
        first_id bigint PRIMARY KEY,
        enqueued_at timestamptz NOT NULL
    );
    COMMENT ON TABLE pgcadence.net_enqueue_marks IS
        'First request id of each enqueuing transaction and its time; trimmed as the queue drains.';

    -- ======================================================== functions: URL building
    -- Percent-encode a string as curl_escape does (all but A-Z a-z 0-9 - . _ ~).
    CREATE FUNCTION net._urlencode_string(string character varying) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = '' AS $fn$
        SELECT coalesce(pg_catalog.string_agg(
                   CASE WHEN (b BETWEEN 48 AND 57) OR (b BETWEEN 65 AND 90) OR (b BETWEEN 97 AND 122)
                             OR b IN (45, 46, 95, 126)
                        THEN pg_catalog.chr(b)
                        ELSE '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(b), 2, '0'))
                   END, '' ORDER BY i), '')
        FROM (SELECT i, pg_catalog.get_byte(raw, i) AS b
                FROM (SELECT pg_catalog.convert_to(string, 'UTF8') AS raw) r,
                     pg_catalog.generate_series(0, pg_catalog.octet_length(r.raw) - 1) AS i) s
    $fn$;

    -- Validate an http(s) URL the way pg_net (libcurl's URL parser) does and append
    -- already-encoded 'k=v' params to its query string. Errors: 'invalid URL "…": <reason>'.
    CREATE FUNCTION net._encode_url_with_params_array(url text, params_array text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = '' AS $fn$
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
    $fn$;

    -- The params jsonb as the encoded 'k=v' list pg_net appends (jsonb key order).
    CREATE FUNCTION pgcadence.net_params_array(params jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $fn$
        SELECT coalesce(pg_catalog.array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)),
                        '{}'::text[])
          FROM pg_catalog.jsonb_each_text(coalesce(params, '{}'::jsonb))
    $fn$;

    -- NULL url or timeout: the not-null violation pg_net gives (23502), raised before the
    -- INSERT so that the error's DETAIL cannot echo the row (its headers may hold a key).
    CREATE FUNCTION pgcadence.net_require(url text, timeout_milliseconds integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $fn$
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
    $fn$;

    -- ======================================================== functions: enqueue (public API)
    -- Queue a GET; sent after commit. Returns the request id.
    CREATE FUNCTION net.http_get(
        url text,
        params jsonb DEFAULT '{}'::jsonb,
        headers jsonb DEFAULT '{}'::jsonb,
        timeout_milliseconds integer DEFAULT 5000
    ) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $fn$
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
    $fn$;
    COMMENT ON FUNCTION net.http_get(text, jsonb, jsonb, integer) IS
        'pg_net: queue an HTTP GET (params are percent-encoded onto the query string). Sent after commit; returns the request id.';

    -- Queue a POST of a JSON body; Content-Type must be application/json (added when absent).
    CREATE FUNCTION net.http_post(
        url text,
        body jsonb DEFAULT '{}'::jsonb,
        params jsonb DEFAULT '{}'::jsonb,
        headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
        timeout_milliseconds integer DEFAULT 5000
    ) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $fn$
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
    $fn$;
    COMMENT ON FUNCTION net.http_post(text, jsonb, jsonb, jsonb, integer) IS
        'pg_net: queue an HTTP POST of body (sent as the jsonb text form). Content-Type must be application/json. Sent after commit; returns the request id.';

    -- Queue a DELETE (optional JSON body). Returns the request id.
    CREATE FUNCTION net.http_delete(
        url text,
        params jsonb DEFAULT '{}'::jsonb,
        headers jsonb DEFAULT '{}'::jsonb,
        timeout_milliseconds integer DEFAULT 5000,
        body jsonb DEFAULT NULL
    ) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $fn$
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
    $fn$;
    COMMENT ON FUNCTION net.http_delete(text, jsonb, jsonb, integer, jsonb) IS
        'pg_net: queue an HTTP DELETE. Sent after commit; returns the request id.';

    -- ======================================================== functions: responses
    -- Wait (50 ms steps) while a request is still queued and unanswered.
    CREATE FUNCTION net._await_response(request_id bigint) RETURNS boolean
    LANGUAGE plpgsql VOLATILE STRICT SET search_path = '' AS $fn$
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
    $fn$;

    -- The response of a request as pg_net reports it: SUCCESS for any HTTP answer,
    -- ERROR with the transport error or 'request matching request_id not found'.
    CREATE FUNCTION net._http_collect_response(request_id bigint, async boolean DEFAULT true)
    RETURNS net.http_response_result
    LANGUAGE plpgsql VOLATILE SET search_path = '' AS $fn$
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
    $fn$;
    COMMENT ON FUNCTION net._http_collect_response(bigint, boolean) IS
        'pg_net: (SUCCESS, ok, response) for any HTTP answer, (ERROR, error_msg, NULL) for a failed or unknown request. async => false waits while the request is queued.';

    -- ======================================================== functions: sender control
    -- Wake the sender now (it also polls).
    CREATE FUNCTION net.wake() RETURNS void
    LANGUAGE sql VOLATILE SET search_path = '' AS $fn$
        SELECT pg_catalog.pg_notify('pgcadence_net', 'wake')
    $fn$;
    COMMENT ON FUNCTION net.wake() IS 'pg_net: wake the sender (delivered at commit).';

    -- Ask every sender to reconnect and re-read pg_net.ttl / pg_net.batch_size (at commit).
    CREATE FUNCTION net.worker_restart() RETURNS boolean
    LANGUAGE plpgsql VOLATILE SET search_path = '' AS $fn$
    BEGIN
        PERFORM pg_catalog.pg_notify('pgcadence_net', 'restart');
        RETURN true;
    END
    $fn$;
    COMMENT ON FUNCTION net.worker_restart() IS
        'pg_net: restart the sender: it reconnects (re-reading pg_net.* settings); in-flight requests carry on. Returns true.';

    -- Statement trigger: note the enqueue time once per transaction and wake the
    -- sender. NOTIFY is delivered at commit only, so a rolled-back request wakes nobody.
    CREATE FUNCTION pgcadence.net_enqueued() RETURNS trigger
    LANGUAGE plpgsql SET search_path = '' AS $fn$
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
    $fn$;

    CREATE TRIGGER net_enqueued
        AFTER INSERT ON net.http_request_queue
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.net_enqueued();

    -- ======================================================== functions: the sender's SQL
    -- Advisory-lock class (first key) a sender holds with its worker id as second key.
    CREATE FUNCTION pgcadence.net_lock_class() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $fn$ SELECT 1852142711 $fn$;  -- 'netw'

    -- Worker ids of senders connected now (their advisory locks are held).
    CREATE FUNCTION pgcadence.net_live_workers() RETURNS SETOF integer
    LANGUAGE sql STABLE SET search_path = '' AS $fn$
        SELECT l.objid::text::bigint::integer
          FROM pg_catalog.pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
           AND l.classid = pgcadence.net_lock_class()::oid
    $fn$;

    -- Claim up to n unclaimed requests, oldest first, for worker w (one statement;
    -- SKIP LOCKED + the claims primary key make concurrent senders safe). Returns
    -- what to send: headers as 'Name: value' lines as pg_net builds them.
    CREATE FUNCTION pgcadence.net_claim(w integer, n integer, max_timeout_ms integer DEFAULT 300000)
    RETURNS TABLE (id bigint, method text, url text, headers text[], body bytea, timeout_milliseconds integer)
    LANGUAGE sql VOLATILE SET search_path = '' AS $fn$
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
    $fn$;

    -- Record finished requests: one response row per request still queued, and the
    -- queue rows and claims removed, in one transaction. A request already answered
    -- (a duplicate send after a lease was lost) is not recorded twice. Returns rows written.
    CREATE FUNCTION pgcadence.net_complete(
        ids bigint[], status_codes integer[], content_types text[], headers text[],
        contents text[], timed_out boolean[], error_msgs text[]
    ) RETURNS integer
    LANGUAGE sql VOLATILE SET search_path = '' AS $fn$
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
    $fn$;

    -- Give claimed requests back to the queue (sender shutting down before sending them).
    CREATE FUNCTION pgcadence.net_release(w integer, ids bigint[]) RETURNS integer
    LANGUAGE sql VOLATILE SET search_path = '' AS $fn$
        WITH d AS (DELETE FROM pgcadence.net_claims k WHERE k.worker = w AND k.id = ANY (ids) RETURNING 1)
        SELECT pg_catalog.count(*)::integer FROM d
    $fn$;

    -- Housekeeping, run by every sender every few seconds: drop claims of senders that
    -- are gone (their requests are sent again) or whose lease ran out, delete responses
    -- older than ttl (at most batch rows), trim enqueue marks. Returns what it did.
    CREATE FUNCTION pgcadence.net_maintain(ttl interval DEFAULT '6 hours', batch integer DEFAULT 10000)
    RETURNS TABLE (reclaimed integer, expired integer)
    LANGUAGE plpgsql VOLATILE SET search_path = '' AS $fn$
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
    $fn$;

    -- ======================================================== functions: observability
    -- The backlog at a glance (pgcadence net status).
    CREATE FUNCTION pgcadence.net_status(
        OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer)
    LANGUAGE sql STABLE SET search_path = '' AS $fn$
        SELECT (SELECT pg_catalog.count(*) FROM net.http_request_queue q
                 WHERE NOT EXISTS (SELECT 1 FROM pgcadence.net_claims k WHERE k.id = q.id)),
               (SELECT pg_catalog.count(*) FROM pgcadence.net_claims k
                 WHERE k.worker IN (SELECT pgcadence.net_live_workers())),
               (SELECT pg_catalog.now() - m.enqueued_at FROM pgcadence.net_enqueue_marks m
                 WHERE m.first_id <= (SELECT pg_catalog.min(q.id) FROM net.http_request_queue q)
                 ORDER BY m.first_id DESC LIMIT 1),
               (SELECT pg_catalog.count(DISTINCT w)::integer FROM pgcadence.net_live_workers() w)
    $fn$;
    COMMENT ON FUNCTION pgcadence.net_status() IS
        'Sender backlog: requests waiting, requests being sent, age of the oldest queued request, connected senders.';

    -- Responses recorded in the last `since`, by outcome (HTTP status, 'timeout' or 'error').
    CREATE FUNCTION pgcadence.net_outcomes(since interval DEFAULT '1 hour')
    RETURNS TABLE (outcome text, responses bigint)
    LANGUAGE sql STABLE SET search_path = '' AS $fn$
        SELECT coalesce(r.status_code::text, CASE WHEN r.timed_out THEN 'timeout' ELSE 'error' END),
               pg_catalog.count(*)
          FROM net._http_response r
         WHERE r.created > pg_catalog.now() - since
         GROUP BY 1 ORDER BY 1
    $fn$;
    COMMENT ON FUNCTION pgcadence.net_outcomes(interval) IS
        'Responses written in the last `since`, grouped by HTTP status code, timeout or error.';

    -- ======================================================== row level security
    ALTER TABLE net.http_request_queue ENABLE ROW LEVEL SECURITY;
    ALTER TABLE net._http_response ENABLE ROW LEVEL SECURITY;
    -- service_role (BYPASSRLS anyway) reads both tables; nobody else but the owner.
    CREATE POLICY service_role_reads_queue ON net.http_request_queue FOR SELECT TO service_role USING (true);
    CREATE POLICY service_role_reads_responses ON net._http_response FOR SELECT TO service_role USING (true);
    -- Internal tables: RLS on, no policy: only the owner (the sender's role) touches them.
    ALTER TABLE pgcadence.net_claims ENABLE ROW LEVEL SECURITY;
    ALTER TABLE pgcadence.net_enqueue_marks ENABLE ROW LEVEL SECURITY;

    -- ======================================================== grants
    -- The owner (the migrating role, e.g. postgres) keeps every right. Who else may
    -- queue requests: Supabase grants USAGE on schema net to postgres, anon,
    -- authenticated and service_role (extensions.grant_pg_net_access), and with
    -- pg_net >= 0.12 every role may execute http_get/http_post/http_delete (older
    -- pg_net: explicit GRANT EXECUTE to anon, authenticated, service_role). Triggers
    -- fired by API users commonly call net.http_post, so anon and authenticated may
    -- queue requests here too. Unlike pg_net (tables granted to PUBLIC) they cannot
    -- read the queue (it holds Authorization headers) nor the responses, nor collect.
    REVOKE ALL ON ALL TABLES IN SCHEMA net FROM PUBLIC;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA net FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA net FROM PUBLIC;
    REVOKE ALL ON ALL TABLES IN SCHEMA pgcadence FROM PUBLIC;
    REVOKE ALL ON FUNCTION pgcadence.net_params_array(jsonb), pgcadence.net_require(text, integer), pgcadence.net_enqueued(),
        pgcadence.net_lock_class(), pgcadence.net_live_workers(), pgcadence.net_claim(integer, integer, integer),
        pgcadence.net_complete(bigint[], integer[], text[], text[], text[], boolean[], text[]),
        pgcadence.net_release(integer, bigint[]), pgcadence.net_maintain(interval, integer),
        pgcadence.net_status(), pgcadence.net_outcomes(interval) FROM PUBLIC;

    GRANT USAGE ON SCHEMA net TO anon, authenticated, service_role;
    GRANT EXECUTE ON FUNCTION
        net.http_get(text, jsonb, jsonb, integer),
        net.http_post(text, jsonb, jsonb, jsonb, integer),
        net.http_delete(text, jsonb, jsonb, integer, jsonb)
        TO anon, authenticated, service_role;
    GRANT EXECUTE ON FUNCTION
        net._http_collect_response(bigint, boolean),
        net._await_response(bigint),
        net._urlencode_string(character varying),
        net._encode_url_with_params_array(text, text[]),
        net.wake(),
        net.worker_restart()
        TO service_role;
    GRANT SELECT, DELETE ON net.http_request_queue TO service_role;  -- DELETE: drop a backlog
    GRANT SELECT ON net._http_response TO service_role;
END
$migration$;
