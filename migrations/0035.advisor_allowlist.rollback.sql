-- Undo 0035 (sql/base/advisor.sql is dropped before this runs).
DROP TABLE pgcadence.advisor_allowlist;
