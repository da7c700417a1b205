-- Undo 0003: drop the net shim and the sender's bookkeeping (queued requests and
-- responses go with them). A real pg_net extension, if 0003 found or created it,
-- is left installed, like the extensions of 0001.

DO $rollback$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_net') THEN
        RETURN;
    END IF;
    IF to_regclass('net.http_request_queue') IS NULL THEN
        RETURN;
    END IF;

    DROP FUNCTION pgcadence.net_outcomes(interval);
    DROP FUNCTION pgcadence.net_status();
    DROP FUNCTION pgcadence.net_maintain(interval, integer);
    DROP FUNCTION pgcadence.net_release(integer, bigint[]);
    DROP FUNCTION pgcadence.net_complete(bigint[], integer[], text[], text[], text[], boolean[], text[]);
    DROP FUNCTION pgcadence.net_claim(integer, integer, integer);
    DROP FUNCTION pgcadence.net_live_workers();
    DROP FUNCTION pgcadence.net_lock_class();
    DROP TRIGGER net_enqueued ON net.http_request_queue;
    DROP FUNCTION pgcadence.net_enqueued();

    DROP FUNCTION net.worker_restart();
    DROP FUNCTION net.wake();
    DROP FUNCTION net._http_collect_response(bigint, boolean);
    DROP FUNCTION net._await_response(bigint);
    DROP FUNCTION net.http_delete(text, jsonb, jsonb, integer, jsonb);
    DROP FUNCTION net.http_post(text, jsonb, jsonb, jsonb, integer);
    DROP FUNCTION net.http_get(text, jsonb, jsonb, integer);
    DROP FUNCTION pgcadence.net_params_array(jsonb);
    DROP FUNCTION pgcadence.net_require(text, integer);
    DROP FUNCTION net._encode_url_with_params_array(text, text[]);
    DROP FUNCTION net._urlencode_string(character varying);

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
