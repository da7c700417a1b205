-- The SQL the pgcadence sender (runner/pgcadence/net/sender.py) runs: claims as leases, one
-- transaction per finished batch, housekeeping, and the backlog at a glance. Not part
-- of pg_net. Applied only where the real pg_net is not installed (condition net_shim
-- in sql/manifest.toml).

-- ======================================================== functions: the sender's SQL
-- Advisory-lock class (first key) a sender holds with its worker id as second key.
CREATE OR REPLACE FUNCTION pgcadence.net_lock_class() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$ SELECT 1852142711 $fn$;  -- 'netw'

-- Worker ids of senders connected now (their advisory locks are held).
CREATE OR REPLACE FUNCTION pgcadence.net_live_workers() RETURNS SETOF integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT l.objid::text::bigint::integer
      FROM pg_catalog.pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.classid = pgcadence.net_lock_class()::oid
       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
$fn$;

-- Claim up to n unclaimed requests, oldest first, for worker w (one statement;
-- SKIP LOCKED + the claims primary key make concurrent senders safe). Returns
-- what to send: headers as 'Name: value' lines as pg_net builds them.
CREATE OR REPLACE FUNCTION pgcadence.net_claim(w integer, n integer, max_timeout_ms integer DEFAULT 300000)
RETURNS TABLE (id bigint, method text, url text, headers text[], body bytea, timeout_milliseconds integer)
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION pgcadence.net_complete(
    ids bigint[], status_codes integer[], content_types text[], headers text[],
    contents text[], timed_out boolean[], error_msgs text[]
) RETURNS integer
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION pgcadence.net_release(w integer, ids bigint[]) RETURNS integer
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
    WITH d AS (DELETE FROM pgcadence.net_claims k WHERE k.worker = w AND k.id = ANY (ids) RETURNING 1)
    SELECT pg_catalog.count(*)::integer FROM d
$fn$;

-- Housekeeping, run by every sender every few seconds: drop claims of senders that
-- are gone (their requests are sent again) or whose lease ran out, delete responses
-- older than ttl (at most batch rows), trim enqueue marks. Returns what it did.
CREATE OR REPLACE FUNCTION pgcadence.net_maintain(ttl interval DEFAULT '6 hours', batch integer DEFAULT 10000)
RETURNS TABLE (reclaimed integer, expired integer)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION pgcadence.net_status(
    OUT queued bigint, OUT in_flight bigint, OUT oldest_age interval, OUT senders integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
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
CREATE OR REPLACE FUNCTION pgcadence.net_outcomes(since interval DEFAULT '1 hour')
RETURNS TABLE (outcome text, responses bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce(r.status_code::text, CASE WHEN r.timed_out THEN 'timeout' ELSE 'error' END),
           pg_catalog.count(*)
      FROM net._http_response r
     WHERE r.created > pg_catalog.now() - since
     GROUP BY 1 ORDER BY 1
$fn$;
COMMENT ON FUNCTION pgcadence.net_outcomes(interval) IS
    'Responses written in the last `since`, grouped by HTTP status code, timeout or error.';
-- service_role (BYPASSRLS anyway) reads both tables; nobody else but the owner.
