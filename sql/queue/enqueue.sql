-- Adding jobs to the queue, one at a time or many at once.

-- Add one job; returns its id. Errors on bad input or a live job with the same dedupe_key.
CREATE OR REPLACE FUNCTION public.job_queue_enqueue(
    task_type text,
    payload jsonb DEFAULT '{}',
    run_at timestamptz DEFAULT NULL,
    max_attempts integer DEFAULT 3,
    priority integer DEFAULT 0,
    dedupe_key text DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    new_id uuid;
    existing uuid;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_enqueue');
    PERFORM pgcadence.job_queue_check('job_queue_enqueue', task_type, payload, run_at, max_attempts, dedupe_key,
                                      (SELECT s.max_payload_bytes FROM pgcadence.job_queue_settings s));
    INSERT INTO public.job_queue AS q (task_type, payload, run_at, max_attempts, priority, dedupe_key)
    VALUES (task_type, COALESCE(payload, '{}'), COALESCE(run_at, pg_catalog.now()),
            COALESCE(max_attempts, 3), COALESCE(priority, 0), dedupe_key)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
    RETURNING q.id INTO new_id;
    IF new_id IS NULL THEN
        SELECT q.id INTO existing FROM public.job_queue q
        WHERE q.dedupe_key = job_queue_enqueue.dedupe_key AND q.status IN ('pending', 'running');
        RAISE EXCEPTION 'job_queue_enqueue: a pending or running job with dedupe_key "%" already exists (id %)',
            dedupe_key, existing USING ERRCODE = '23505';
    END IF;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text) IS
    'Add a job (pending at run_at, default now). payload: a JSON object of at most max_payload_bytes (256 KiB). Returns the id.';

-- Add many jobs in one statement: a JSON array of objects with the enqueue arguments as keys.
CREATE OR REPLACE FUNCTION public.job_queue_enqueue_batch(jobs jsonb) RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    max_payload integer := (SELECT s.max_payload_bytes FROM pgcadence.job_queue_settings s);
    j record;
    wanted integer;
    ids uuid[];
    dup text;
    fn text;
    field text;
    due timestamptz;
BEGIN
    PERFORM pgcadence.job_queue_require_manager('job_queue_enqueue_batch');
    IF jobs IS NULL OR pg_catalog.jsonb_typeof(jobs) <> 'array' THEN
        RAISE EXCEPTION 'job_queue_enqueue_batch: jobs must be a JSON array of objects' USING ERRCODE = '22023';
    END IF;
    FOR j IN SELECT e.value AS v, e.ordinality AS n FROM pg_catalog.jsonb_array_elements(jobs) WITH ORDINALITY e LOOP
        fn := 'job_queue_enqueue_batch: element ' || j.n;
        IF pg_catalog.jsonb_typeof(j.v) <> 'object' THEN
            RAISE EXCEPTION '%: not an object', fn USING ERRCODE = '22023';
        END IF;
        FOREACH field IN ARRAY ARRAY['max_attempts', 'priority'] LOOP
            IF (CASE pg_catalog.jsonb_typeof(j.v -> field)
                   WHEN 'null' THEN false
                   WHEN 'number' THEN (j.v ->> field)::numeric NOT BETWEEN -2147483648 AND 2147483647
                                      OR (j.v ->> field)::numeric % 1 <> 0
                   ELSE j.v ? field END) THEN
                RAISE EXCEPTION '%: % must be an integer (got %)', fn, field, pg_catalog.left((j.v -> field)::text, 40)
                    USING ERRCODE = '22023';
            END IF;
        END LOOP;
        FOREACH field IN ARRAY ARRAY['task_type', 'run_at', 'dedupe_key'] LOOP
            IF j.v ? field AND pg_catalog.jsonb_typeof(j.v -> field) NOT IN ('string', 'null') THEN
                RAISE EXCEPTION '%: % must be a string (got %)', fn, field, pg_catalog.jsonb_typeof(j.v -> field)
                    USING ERRCODE = '22023';
            END IF;
        END LOOP;
        due := NULL;
        IF j.v ->> 'run_at' IS NOT NULL THEN
            BEGIN
                due := (j.v ->> 'run_at')::timestamptz;
            EXCEPTION WHEN data_exception THEN
                RAISE EXCEPTION '%: run_at is not a time: "%"', fn, pg_catalog.left(j.v ->> 'run_at', 60)
                    USING ERRCODE = '22007';
            END;
        END IF;
        PERFORM pgcadence.job_queue_check(fn, j.v ->> 'task_type', j.v -> 'payload', due,
                                          (j.v ->> 'max_attempts')::numeric::integer, j.v ->> 'dedupe_key', max_payload);
    END LOOP;
    wanted := pg_catalog.jsonb_array_length(jobs);
    WITH ins AS (
        INSERT INTO public.job_queue AS q (task_type, payload, run_at, max_attempts, priority, dedupe_key)
        SELECT e ->> 'task_type', COALESCE(e -> 'payload', '{}'),
               COALESCE((e ->> 'run_at')::timestamptz, pg_catalog.now()),
               COALESCE((e ->> 'max_attempts')::numeric::integer, 3), COALESCE((e ->> 'priority')::numeric::integer, 0),
               e ->> 'dedupe_key'
        FROM pg_catalog.jsonb_array_elements(jobs) e
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
        RETURNING q.id
    )
    SELECT pg_catalog.array_agg(ins.id) INTO ids FROM ins;
    IF COALESCE(pg_catalog.cardinality(ids), 0) < wanted THEN
        SELECT e ->> 'dedupe_key' INTO dup FROM pg_catalog.jsonb_array_elements(jobs) e
        WHERE e ->> 'dedupe_key' IS NOT NULL
          AND (EXISTS (SELECT 1 FROM public.job_queue q WHERE q.dedupe_key = e ->> 'dedupe_key'
                       AND q.status IN ('pending', 'running') AND q.id <> ALL (COALESCE(ids, '{}')))
               OR (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_array_elements(jobs) f
                   WHERE f ->> 'dedupe_key' = e ->> 'dedupe_key') > 1)
        LIMIT 1;
        RAISE EXCEPTION 'job_queue_enqueue_batch: a pending or running job with dedupe_key "%" already exists (nothing enqueued)',
            dup USING ERRCODE = '23505';
    END IF;
    RETURN QUERY SELECT pg_catalog.unnest(ids);
END
$$;
COMMENT ON FUNCTION public.job_queue_enqueue_batch(jsonb) IS
    'Add many jobs at once: [{"task_type":..,"payload":{..},"run_at":..,"max_attempts":..,"priority":..,"dedupe_key":..}, ...]. All or nothing.';
