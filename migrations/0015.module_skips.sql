-- Standing jobs of an installed but unconfigured module (no upstream URL, no key) skip
-- instead of failing every few minutes; each skip is counted here, per module and job,
-- for pgcadence doctor and `pgcadence modules list` (see sql/base/modules.sql).

CREATE TABLE pgcadence.module_skips (
    module text NOT NULL,
    job text NOT NULL,
    reason text NOT NULL,
    skips bigint NOT NULL DEFAULT 1,
    first_at timestamptz NOT NULL DEFAULT now(),
    last_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, job)
);
COMMENT ON TABLE pgcadence.module_skips IS
    'Runs of a module''s standing jobs skipped because the module is not configured: why, how often, when last.';
ALTER TABLE pgcadence.module_skips ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only
REVOKE ALL ON pgcadence.module_skips FROM PUBLIC;
