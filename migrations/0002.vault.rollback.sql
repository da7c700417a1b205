-- Undo 0002: the supabase_vault extension or the Vault shim's table (every secret in
-- it goes too), but only what 0002 created. The shim's functions and view (sql/vault/)
-- are dropped before this runs.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pgcadence.created_objects WHERE kind = 'extension' AND name = 'supabase_vault') THEN
        DROP EXTENSION supabase_vault;
        DELETE FROM pgcadence.created_objects WHERE kind = 'extension' AND name = 'supabase_vault';
    END IF;

    IF EXISTS (SELECT 1 FROM pgcadence.created_objects WHERE kind = 'schema' AND name = 'vault') THEN
        DROP TABLE vault.secrets;
        DROP SCHEMA vault;  -- not CASCADE: anything else put there is kept and the rollback fails loudly
        DELETE FROM pgcadence.created_objects WHERE kind = 'schema' AND name = 'vault';
    END IF;
END
$$;
