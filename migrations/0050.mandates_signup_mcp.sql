-- Completes the cache-warming and signup-flow module (docs/requirements.md, "Cache
-- warming" and "Audit trail and sessions"): checkout-session ids become per user, the
-- catalogue of provider (MCP) tools and the messages a user sees when one fails, the
-- state of the system mandate's renewal, and the settings of per-target staggered cache
-- warming. Functions, policies, grants and jobs are in sql/mandates/.

-- ============================================================ checkout sessions: ids are per user
-- (a user could learn that another user's id exists, and squat an id before its owner)
ALTER TABLE public.agentic_checkout_sessions DROP CONSTRAINT agentic_checkout_sessions_pkey;
ALTER TABLE public.agentic_checkout_sessions ADD CONSTRAINT agentic_checkout_sessions_pkey PRIMARY KEY (user_id, id);
DROP INDEX public.agentic_checkout_sessions_user_idx;  -- the primary key leads with user_id

-- new parameters: the sources recreate them (load_checkout_session p_user_id,
-- cache_warm_plan p_targets_only, store_credential p_metadata)
DROP FUNCTION IF EXISTS public.load_checkout_session(text);
DROP FUNCTION IF EXISTS public.cache_warm_plan(text, text);
DROP FUNCTION IF EXISTS public.store_credential(uuid, uuid, text, text, bytea, text);

-- ============================================================ audit actions
INSERT INTO public.mandate_audit_actions (action, description) VALUES
    ('mandate_renewal_failed', 'renewing the system mandate failed (metadata.error says why)'),
    ('mcp_tool_failed',        'a provider tool call failed (metadata: tool, error, attempts)')
ON CONFLICT (action) DO NOTHING;

-- ============================================================ provider tools
CREATE TABLE public.mcp_tools (
    tool text PRIMARY KEY CHECK (tool ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
    internal_name text NOT NULL UNIQUE CHECK (internal_name ~ '^[a-z][a-z0-9_]*$'),
    read_only boolean NOT NULL,
    needs_login boolean NOT NULL,
    scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
    description text NOT NULL
);
INSERT INTO public.mcp_tools (tool, internal_name, read_only, needs_login, scopes, description) VALUES
    ('scp.search_providers', 'search_provider', true, false, '{scp:find_programs}',
     'Find providers by name or location'),
    ('scp.get_programs', 'find_programs', true, true, '{scp:authenticate,scp:find_programs}',
     'List the programs an organisation offers'),
    ('scp.check_prerequisites', 'check_prerequisites', true, true, '{scp:authenticate,scp:find_programs}',
     'Check membership, waivers and other prerequisites of a program'),
    ('scp.discover_required_fields', 'discover_fields', true, true, '{scp:authenticate,scp:discover:fields}',
     'The fields the registration form of a program asks for'),
    ('scp.submit_registration', 'submit_registration', false, true, '{scp:authenticate,scp:register}',
     'Submit the final registration');

CREATE TABLE public.mcp_error_messages (
    code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    message text NOT NULL CHECK (message <> ''),
    retryable boolean NOT NULL,
    action text CHECK (action IN ('retry', 'login', 'check_status', 'contact_support')),
    http_status integer NOT NULL CHECK (http_status BETWEEN 400 AND 599)
);
INSERT INTO public.mcp_error_messages (code, message, retryable, action, http_status) VALUES
    ('timeout', 'This is taking longer than expected. Please try again.', true, 'retry', 504),
    ('session_expired', 'Your session expired. Please log in again.', false, 'login', 401),
    ('not_signed_in', 'Please log in to continue.', false, 'login', 401),
    ('search_unavailable', 'Search service temporarily unavailable. Please try again shortly.', true, 'retry', 503),
    ('network_error', 'We could not reach the provider. Please check your connection and try again.', true, 'retry', 503),
    ('provider_unavailable', 'The provider is not answering right now. Please try again shortly.', true, 'retry', 503),
    ('provider_refused', 'The provider declined this request. Please check your account details.', false,
     'contact_support', 502),
    ('provider_error', 'The provider could not complete this step. Please try again later.', false,
     'contact_support', 502),
    ('registration_unconfirmed', 'We could not confirm your registration. Please check your registrations before '
     'trying again.', false, 'check_status', 502);

-- ============================================================ system mandate renewal (one row)
CREATE TABLE pgcadence.mandate_renewal (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    renew_before interval NOT NULL DEFAULT interval '48 hours' CHECK (renew_before > interval '0'),
    duration_minutes integer NOT NULL DEFAULT 10080 CHECK (duration_minutes BETWEEN 60 AND 129600),
    request_id bigint,              -- the renewal request in flight (net.http_post id), if any
    requested_at timestamptz,
    last_success_at timestamptz,
    last_failure_at timestamptz,
    last_error text,
    CHECK (pg_catalog.make_interval(mins => duration_minutes) > renew_before)
);
INSERT INTO pgcadence.mandate_renewal DEFAULT VALUES;

-- ============================================================ per-target staggered cache warming (one row)
CREATE TABLE pgcadence.cache_warm_schedule (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    per_target boolean NOT NULL DEFAULT false,
    first_run time NOT NULL DEFAULT '02:00' CHECK (extract(second FROM first_run) = 0),
    stagger_minutes integer NOT NULL DEFAULT 7 CHECK (stagger_minutes BETWEEN 1 AND 120)
);
INSERT INTO pgcadence.cache_warm_schedule DEFAULT VALUES;

-- ============================================================ policies
ALTER TABLE public.mcp_tools ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.mcp_error_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.mandate_renewal ENABLE ROW LEVEL SECURITY;      -- no policy: owner and definer functions
ALTER TABLE pgcadence.cache_warm_schedule ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions
REVOKE ALL ON public.mcp_tools, public.mcp_error_messages, pgcadence.mandate_renewal, pgcadence.cache_warm_schedule
    FROM PUBLIC;
