-- Undo 0003: drop the net shim's state and the sender's bookkeeping (queued requests
-- and responses go with them); its functions (sql/net/) are dropped before this runs.
-- A real pg_net extension, if 0003 found or created it, is left installed, like the
-- extensions of 0001.

DO $rollback$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_net') THEN
        RETURN;
    END IF;
    IF to_regclass('net.http_request_queue') IS NULL THEN
        RETURN;
    END IF;

    DROP TABLE pgcadence.net_enqueue_marks;
    DROP TABLE pgcadence.net_claims;
    DROP TABLE net._http_response;
    DROP TABLE net.http_request_queue;

    DROP TYPE net.http_response_result;
    DROP TYPE net.http_response;
    DROP TYPE net.request_status;
    DROP DOMAIN net.http_method;
    DROP SCHEMA net;  -- not CASCADE: anything else created in net since makes this fail loudly
END
$rollback$;
