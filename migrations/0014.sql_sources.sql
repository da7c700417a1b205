-- Bookkeeping of the SQL sources (sql/, applied by `pgcadence migrate` after the
-- versioned migrations): which modules this database has, which source files were
-- applied at which content, and which objects each file defines (so that disabling a
-- module or uninstalling drops exactly those, and nothing pgcadence did not create).

CREATE TABLE pgcadence.modules (
    name text PRIMARY KEY,
    enabled boolean NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.modules IS
    'Modules of sql/manifest.toml and whether this database has them (pgcadence modules enable|disable).';

CREATE TABLE pgcadence.source_files (
    path text PRIMARY KEY,
    module text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.source_files IS
    'SQL source files (relative to sql/) applied here and the sha256 of the content applied; migrate re-applies a file whose content differs.';

CREATE TABLE pgcadence.source_objects (
    kind text NOT NULL CHECK (kind IN ('function', 'view', 'trigger', 'policy', 'cron job')),
    identity text NOT NULL,
    path text NOT NULL,
    PRIMARY KEY (kind, identity)
);
COMMENT ON TABLE pgcadence.source_objects IS
    'Objects the SQL sources define here, by the file that defines them (read from the catalog as each file is applied).';
CREATE INDEX source_objects_path_idx ON pgcadence.source_objects (path);

-- internal: no policy, no grants; only the owner (the migrating role) reads them
ALTER TABLE pgcadence.modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.source_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.source_objects ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON pgcadence.modules, pgcadence.source_files, pgcadence.source_objects FROM PUBLIC;
