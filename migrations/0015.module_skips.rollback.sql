-- Undo 0015.
DROP TABLE pgcadence.module_skips;
