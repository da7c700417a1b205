-- Waking workers: a NOTIFY when jobs are added (delivered at commit).

-- Wake listening workers when jobs are added (one notification per statement).
CREATE OR REPLACE FUNCTION pgcadence.job_queue_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('pgcadence_job_queue', '');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgcadence.job_queue_notify() FROM PUBLIC, anon, authenticated;

CREATE OR REPLACE TRIGGER job_queue_notify AFTER INSERT ON public.job_queue
    FOR EACH STATEMENT EXECUTE FUNCTION pgcadence.job_queue_notify();
