-- Who may touch the net shim's tables and functions. Applied only where the real
-- pg_net is not installed (condition net_shim in sql/manifest.toml).

DROP POLICY IF EXISTS service_role_reads_queue ON net.http_request_queue;
CREATE POLICY service_role_reads_queue ON net.http_request_queue FOR SELECT TO service_role USING (true);
DROP POLICY IF EXISTS service_role_reads_responses ON net._http_response;
CREATE POLICY service_role_reads_responses ON net._http_response FOR SELECT TO service_role USING (true);

-- ======================================================== grants
-- The owner (the migrating role, e.g. postgres) keeps every right. Who else may
-- queue requests: Supabase grants USAGE on schema net to postgres, anon,
-- authenticated and service_role (extensions.grant_pg_net_access), and with
-- pg_net >= 0.12 every role may execute http_get/http_post/http_delete (older
-- pg_net: explicit GRANT EXECUTE to anon, authenticated, service_role). Triggers
-- fired by API users commonly call net.http_post, so anon and authenticated may
-- queue requests here too. Unlike pg_net (tables granted to PUBLIC) they cannot
-- read the queue (it holds Authorization headers) nor the responses, nor collect.
REVOKE ALL ON ALL TABLES IN SCHEMA net FROM PUBLIC, anon, authenticated;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA net FROM PUBLIC, anon, authenticated;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA net FROM PUBLIC, anon, authenticated;
REVOKE ALL ON ALL TABLES IN SCHEMA pgcadence FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.net_params_array(jsonb), pgcadence.net_require(text, integer), pgcadence.net_enqueued(),
    pgcadence.net_lock_class(), pgcadence.net_live_workers(), pgcadence.net_claim(integer, integer, integer),
    pgcadence.net_complete(bigint[], integer[], text[], text[], text[], boolean[], text[]),
    pgcadence.net_release(integer, bigint[]), pgcadence.net_maintain(interval, integer),
    pgcadence.net_status(), pgcadence.net_outcomes(interval) FROM PUBLIC, anon, authenticated;

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
