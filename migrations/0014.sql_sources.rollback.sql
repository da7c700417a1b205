-- Undo 0014: the SQL sources' bookkeeping (every source object is dropped before this runs).
DROP TABLE pgcadence.source_objects;
DROP TABLE pgcadence.source_files;
DROP TABLE pgcadence.modules;
