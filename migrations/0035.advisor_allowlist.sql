-- The security advisor (docs/security.md, "Security advisor"; pgcadence doctor): the
-- project's own SECURITY DEFINER functions that anon or authenticated may execute on
-- purpose. pgcadence's own are listed in pgcadence.api_function_allowlist()
-- (sql/base/advisor.sql); a DBA adds theirs here.
CREATE TABLE pgcadence.advisor_allowlist (
    function_identity text PRIMARY KEY,   -- as regprocedure prints it, schema-qualified: public.my_fn(text,integer)
    reason text NOT NULL CHECK (reason <> ''),
    added_at timestamptz NOT NULL DEFAULT now(),
    added_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE pgcadence.advisor_allowlist IS
    'Your SECURITY DEFINER functions that anon/authenticated may execute on purpose (with why); the security advisor accepts them.';
ALTER TABLE pgcadence.advisor_allowlist ENABLE ROW LEVEL SECURITY;  -- no policy: owner only
