-- The persistent cache store's checks: project names, cache types, size limits,
-- enforced by a trigger on every write.

-- Size limit from the settings row (definer: callers cannot read pgcadence).
CREATE OR REPLACE FUNCTION pgcadence.cache_max_data_bytes() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.max_data_bytes FROM pgcadence.cache_settings s
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_max_data_bytes() FROM PUBLIC, anon, authenticated;

-- Trigger: keep data_size and updated_at right and refuse oversized documents.
CREATE OR REPLACE FUNCTION pgcadence.cache_storage_before_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
REVOKE ALL ON FUNCTION pgcadence.cache_storage_before_write() FROM PUBLIC, anon, authenticated;

CREATE OR REPLACE TRIGGER cache_storage_before_write
    BEFORE INSERT OR UPDATE ON public.cache_storage
    FOR EACH ROW EXECUTE FUNCTION pgcadence.cache_storage_before_write();

-- Id of a project, created on first use; refuses inactive projects and bad names.
CREATE OR REPLACE FUNCTION pgcadence.cache_project_id(project text, create_missing boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_project_id(text, boolean) FROM PUBLIC, anon, authenticated;

-- Check cache_type before it reaches the table (clear message instead of a constraint name).
CREATE OR REPLACE FUNCTION pgcadence.cache_check_type(cache_type text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cache_type IS NULL OR cache_type !~ '^[a-z][a-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'invalid cache_type %: 1-50 lowercase letters, digits or "_", starting with a letter',
            pg_catalog.quote_nullable(pg_catalog.left(cache_type, 60)) USING ERRCODE = '22023';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.cache_check_type(text) FROM PUBLIC, anon, authenticated;
