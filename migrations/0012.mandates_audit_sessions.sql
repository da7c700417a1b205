-- Authenticated cache warming, the mandate audit trail, sealed credentials and
-- checkout-session persistence (docs/requirements.md, "Cache warming" and "Audit trail and
-- sessions"). The functions, triggers, policies and cron jobs are in sql/mandates/.
--
--   mandate_audit               append-only audit trail; every writer goes through log_audit()
--   mandate_audit_actions       the action names log_audit() accepts
--   stored_credentials          credentials sealed in Python (AES-256-GCM under CRED_SEAL_KEY,
--                               the row id as associated data): ciphertext only, never plaintext
--   cached_programs             programs discovered per (org_ref, category), with an expiry
--   cache_warm_targets          what warm-cache-authenticated warms when called with {}
--   agentic_checkout_sessions   checkout-session context that survives restarts (24 h TTL)
--
-- Two pg_cron jobs call the executor through net.http_post, the URL and key read from
-- Vault at run time (get_supabase_url() / get_service_role_key()); no key in cron.job.

-- ============================================================ tables
CREATE TABLE public.mandate_audit_actions (
    action text PRIMARY KEY CHECK (action ~ '^[a-z][a-z0-9_]{0,62}$'),
    description text NOT NULL
);
COMMENT ON TABLE public.mandate_audit_actions IS
    'Action names log_audit() accepts. Add a row (as the owner) to log a new kind of action.';

INSERT INTO public.mandate_audit_actions (action, description) VALUES
    ('action_select_provider',  'user selected a provider'),
    ('action_connect_account',  'user started connecting a provider account'),
    ('credentials_submitted',   'a credential was sealed and stored'),
    ('credentials_accessed',    'a credential was unsealed for use (cred-get, cache warming)'),
    ('credentials_resealed',    'every credential was re-sealed under a new CRED_SEAL_KEY'),
    ('action_select_program',   'user selected a program'),
    ('registration_completed',  'final registration submitted'),
    ('mandate_created',         'a mandate (signed JWS) was issued'),
    ('mandate_rejected',        'a mandate was refused: bad signature, expired or missing scope'),
    ('cache_warm_success',      'programs of one org/category were fetched and cached'),
    ('cache_warm_failed',       'warming one org/category failed (metadata.error says why)');

CREATE TABLE public.mandate_audit (
    id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    user_id uuid,
    action text NOT NULL REFERENCES public.mandate_audit_actions (action),
    org_ref text,
    provider text,
    credential_id uuid,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE TABLE public.stored_credentials (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    provider text NOT NULL CHECK (provider <> ''),
    alias text NOT NULL CHECK (alias <> ''),
    ciphertext bytea NOT NULL CHECK (octet_length(ciphertext) >= 12 + 16),
    key_fp text NOT NULL CHECK (key_fp ~ '^[0-9a-f]{16}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.stored_credentials IS
    'Provider credentials sealed by the runner: ciphertext = 12-byte nonce || AES-256-GCM(JSON) with the '
    'row id as associated data, under the CRED_SEAL_KEY whose fingerprint is key_fp. The key never '
    'enters the database.';

CREATE TABLE public.cached_programs (
    id uuid PRIMARY KEY DEFAULT extensions.gen_random_uuid(),
    org_ref text NOT NULL CHECK (org_ref <> ''),
    category text NOT NULL DEFAULT 'all' CHECK (category <> ''),
    programs jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(programs) = 'array'),
    discovered_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    CONSTRAINT cached_programs_org_category_key UNIQUE (org_ref, category)
);
COMMENT ON TABLE public.cached_programs IS
    'Programs per (org_ref, category) as warm-cache-authenticated last discovered them; fresh until expires_at.';

CREATE TABLE public.cache_warm_targets (
    org_ref text NOT NULL CHECK (org_ref <> ''),
    category text NOT NULL DEFAULT 'all' CHECK (category <> ''),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_ref, category)
);
COMMENT ON TABLE public.cache_warm_targets IS
    'The (org_ref, category) pairs warm-cache-authenticated warms when called with an empty body.';

CREATE TABLE public.agentic_checkout_sessions (
    id text PRIMARY KEY CHECK (id <> '' AND length(id) <= 200),
    user_id uuid NOT NULL,
    provider_id text,
    context jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(context) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours'
);
-- ============================================================ indexes
CREATE INDEX mandate_audit_created_at_idx ON public.mandate_audit (created_at DESC);
CREATE INDEX mandate_audit_user_created_idx ON public.mandate_audit (user_id, created_at DESC);
CREATE INDEX mandate_audit_action_created_idx ON public.mandate_audit (action, created_at DESC);
CREATE INDEX stored_credentials_user_idx ON public.stored_credentials (user_id);
CREATE INDEX cached_programs_expires_idx ON public.cached_programs (expires_at);
CREATE INDEX agentic_checkout_sessions_user_idx ON public.agentic_checkout_sessions (user_id);
CREATE INDEX agentic_checkout_sessions_expires_idx ON public.agentic_checkout_sessions (expires_at);

-- ============================================================ policies
ALTER TABLE public.mandate_audit_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.mandate_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.stored_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cached_programs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cache_warm_targets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.agentic_checkout_sessions ENABLE ROW LEVEL SECURITY;
