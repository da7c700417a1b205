-- pg_net-compatible `net` schema (pg_net 0.20.x) and the bookkeeping its sender
-- (runner/pgcadence/net/sender.py, run by `pgcadence serve` or `pgcadence net-worker`) needs:
-- the real pg_net where it can run here (installed, or available and preloaded),
-- else the state of pgcadence's shim below (its functions are in sql/net/, applied
-- only where pg_net is not installed).
--
-- Beyond pg_net: both tables are LOGGED (a crash or restart loses no queued
-- request); claims are leases in a side table (pgcadence.net_claims), so a request
-- whose sender died is sent again (at least once; see README "Delivery guarantee");
-- a NOTIFY at commit wakes the sender; the queue has a primary key so claiming and
-- completing stay O(batch) with a large backlog.

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
    GRANT USAGE ON SCHEMA net TO anon, authenticated, service_role;

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

    -- ======================================================== row level security
    ALTER TABLE net.http_request_queue ENABLE ROW LEVEL SECURITY;
    ALTER TABLE net._http_response ENABLE ROW LEVEL SECURITY;
    -- Internal tables: RLS on, no policy: only the owner (the sender's role) touches them.
    ALTER TABLE pgcadence.net_claims ENABLE ROW LEVEL SECURITY;
    ALTER TABLE pgcadence.net_enqueue_marks ENABLE ROW LEVEL SECURITY;
END
$migration$;
