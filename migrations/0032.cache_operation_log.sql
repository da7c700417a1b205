-- Persistent cache (docs/requirements.md, "Persistent cache"; docs/security.md, "Cache
-- operation log"): an append-only record of every write, purge, import and expiry of
-- public.cache_storage -- who, when, which project and type, how big. Written by a
-- trigger (sql/cache/oplog.sql); readable by admins and service_role; retention as the
-- mandate audit (purge_cache_operation_log, 30 days minimum, owner only).
CREATE TABLE public.cache_operation_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    operation text NOT NULL CHECK (operation IN ('write', 'import', 'purge', 'expire', 'delete')),
    project text NOT NULL,
    cache_type text NOT NULL,
    data_size integer,            -- bytes of the document written (NULL for removals)
    previous_size integer,        -- bytes it replaced or removed (NULL for a new cache)
    actor_role text NOT NULL,     -- anon / authenticated / service_role, else the database role
    actor_user uuid,              -- auth.uid() of the request, when there was one
    db_user text NOT NULL DEFAULT session_user
);
CREATE INDEX cache_operation_log_at_idx ON public.cache_operation_log (at DESC);
CREATE INDEX cache_operation_log_cache_idx ON public.cache_operation_log (project, cache_type, at DESC);
ALTER TABLE public.cache_operation_log ENABLE ROW LEVEL SECURITY;
