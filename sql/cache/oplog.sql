-- The cache operation log (public.cache_operation_log): a trigger on cache_storage
-- appends who wrote, imported, purged or expired which cache, and how big it was; nobody
-- updates or deletes a row except the retention purge. Readable by admins and service_role.

-- Appends one row per changed cache; the operation is 'write' unless the writer named it
-- (cache_purge, cache_cleanup and `pgcadence cache import` set pgcadence.cache_operation).
CREATE OR REPLACE FUNCTION pgcadence.cache_log_operation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_op text := nullif(pg_catalog.current_setting('pgcadence.cache_operation', true), '');
    v_role text := CASE WHEN pg_catalog.current_setting('role', true) IN ('anon', 'authenticated', 'service_role')
                        THEN pg_catalog.current_setting('role', true)
                        ELSE coalesce(nullif(auth.role(), ''), session_user::text) END;
    v_project text;
    v_row public.cache_storage;
BEGIN
    v_row := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    SELECT p.project_name INTO v_project FROM public.projects p WHERE p.id = v_row.project_id;
    IF TG_OP = 'DELETE' THEN
        v_op := CASE WHEN v_op IN ('purge', 'expire') THEN v_op ELSE 'delete' END;
    ELSE
        v_op := CASE WHEN v_op = 'import' THEN v_op ELSE 'write' END;
    END IF;
    INSERT INTO public.cache_operation_log (operation, project, cache_type, data_size, previous_size, actor_role, actor_user)
    VALUES (v_op, coalesce(v_project, '#' || v_row.project_id), v_row.cache_type,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.data_size END,
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.data_size END,
            v_role, auth.uid());
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_log_operation() FROM PUBLIC, anon, authenticated;

-- Refuses UPDATE / DELETE / TRUNCATE on the log, except a DELETE inside purge_cache_operation_log().
CREATE OR REPLACE FUNCTION pgcadence.cache_operation_log_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_catalog.current_setting('pgcadence.cache_log_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'cache_operation_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501', HINT = 'retention: select purge_cache_operation_log(''<interval>'') as the table owner';
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_operation_log_append_only() FROM PUBLIC, anon, authenticated;

-- Retention, as for the mandate audit: delete rows older than p_older_than (at least 30 days). Owner only.
CREATE OR REPLACE FUNCTION public.purge_cache_operation_log(p_older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF p_older_than IS NULL OR p_older_than < interval '30 days' THEN
        RAISE EXCEPTION 'refusing to purge cache operation log rows younger than 30 days (got %)', p_older_than
            USING ERRCODE = '22023';
    END IF;
    PERFORM pg_catalog.set_config('pgcadence.cache_log_purge', 'on', true);
    DELETE FROM public.cache_operation_log WHERE at < pg_catalog.now() - p_older_than;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('pgcadence.cache_log_purge', 'off', true);
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION public.purge_cache_operation_log(interval) FROM PUBLIC, anon, authenticated;
COMMENT ON FUNCTION public.purge_cache_operation_log(interval) IS
    'Retention for cache_operation_log: delete rows older than the interval (>= 30 days). Executable by the owner only.';

CREATE OR REPLACE TRIGGER cache_storage_log_write AFTER INSERT OR DELETE ON public.cache_storage
    FOR EACH ROW EXECUTE FUNCTION pgcadence.cache_log_operation();
-- an update is logged when the document changed, not when a refresh was merely enqueued
CREATE OR REPLACE TRIGGER cache_storage_log_update AFTER UPDATE ON public.cache_storage
    FOR EACH ROW WHEN (OLD.data IS DISTINCT FROM NEW.data OR OLD.last_fetch IS DISTINCT FROM NEW.last_fetch)
    EXECUTE FUNCTION pgcadence.cache_log_operation();
CREATE OR REPLACE TRIGGER cache_operation_log_no_update_delete BEFORE UPDATE OR DELETE ON public.cache_operation_log
    FOR EACH ROW EXECUTE FUNCTION pgcadence.cache_operation_log_append_only();
CREATE OR REPLACE TRIGGER cache_operation_log_no_truncate BEFORE TRUNCATE ON public.cache_operation_log
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.cache_operation_log_append_only();

COMMENT ON TABLE public.cache_operation_log IS
    'Append-only record of cache_storage writes, imports, purges and expiries (who, when, project/type, size). Admins and service_role read it; retention: purge_cache_operation_log(interval).';

-- Admins read it through RLS; service_role reads everything; nobody writes but the trigger.
DROP POLICY IF EXISTS cache_operation_log_admin_read ON public.cache_operation_log;
CREATE POLICY cache_operation_log_admin_read ON public.cache_operation_log
    FOR SELECT TO authenticated USING ((SELECT public.is_admin_user()));
DROP POLICY IF EXISTS cache_operation_log_service_read ON public.cache_operation_log;
CREATE POLICY cache_operation_log_service_read ON public.cache_operation_log
    FOR SELECT TO service_role USING (true);
REVOKE ALL ON public.cache_operation_log FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public.cache_operation_log TO authenticated, service_role;
