-- Undo 0033 (sql/base/rate_limits.sql is dropped before this runs).
DROP TABLE pgcadence.rate_limit_hits;
DROP TABLE pgcadence.rate_limits;
