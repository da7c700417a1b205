-- Undo 0009: the cache store's tables (every cached value goes with them) and settings.
-- Its functions, trigger and jobs (sql/cache/) are dropped before this runs.

DROP TABLE public.cache_stats;
DROP TABLE public.cache_storage;
DROP TABLE public.projects;
DROP TABLE pgcadence.cache_settings;
