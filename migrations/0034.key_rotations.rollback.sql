-- Undo 0034 (sql/vault/key_rotation.sql is dropped before this runs).
DROP TABLE pgcadence.key_rotations;
