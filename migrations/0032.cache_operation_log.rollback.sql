-- Undo 0032: the cache operation log and its rows (its trigger, policies and functions
-- in sql/cache/oplog.sql are dropped before this runs).
DROP TABLE public.cache_operation_log;
