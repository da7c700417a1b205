-- Undo 0031 (store_credential in sql/mandates/ is dropped before this runs).
DROP TABLE pgcadence.retired_credential_keys;
