-- The pg_net API of the net shim: net.http_get/http_post/http_delete queue a request
-- (sent after commit by the pgcadence sender), net._http_collect_response reads the
-- answer, net.wake/worker_restart steer the sender. Applied only where the real
-- pg_net is not installed (condition net_shim in sql/manifest.toml).

-- ======================================================== functions: enqueue (public API)
-- Queue a GET; sent after commit. Returns the request id.
CREATE OR REPLACE FUNCTION net.http_get(
    url text,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION net.http_post(
    url text,
    body jsonb DEFAULT '{}'::jsonb,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION net.http_delete(
    url text,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000,
    body jsonb DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION net._await_response(request_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION net._http_collect_response(request_id bigint, async boolean DEFAULT true)
RETURNS net.http_response_result
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION net.wake() RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT pg_catalog.pg_notify('pgcadence_net', 'wake')
$fn$;
COMMENT ON FUNCTION net.wake() IS 'pg_net: wake the sender (delivered at commit).';

-- Ask every sender to reconnect and re-read pg_net.ttl / pg_net.batch_size (at commit).
CREATE OR REPLACE FUNCTION net.worker_restart() RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM pg_catalog.pg_notify('pgcadence_net', 'restart');
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION net.worker_restart() IS
    'pg_net: restart the sender: it reconnects (re-reading pg_net.* settings); in-flight requests carry on. Returns true.';

-- Statement trigger: note the enqueue time once per transaction and wake the
-- sender. NOTIFY is delivered at commit only, so a rolled-back request wakes nobody.
CREATE OR REPLACE FUNCTION pgcadence.net_enqueued() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
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

CREATE OR REPLACE TRIGGER net_enqueued
    AFTER INSERT ON net.http_request_queue
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.net_enqueued();
