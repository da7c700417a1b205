-- Alert rules (docs/requirements.md, "Observability"; docs/observability.md): the rules
-- with their thresholds and current state, the history of what was announced, and the
-- pg_cron jobs the cron-overdue rule has seen. The functions that evaluate the rules and
-- post to the webhook, the policies, grants and the standing job are in sql/alerts/.

-- ============================================================ tables
-- One row per rule: what it watches (kind), its thresholds (params: only the values that
-- differ from the kind's defaults), whether it is on or silenced, and the state the last
-- evaluation left (firing, since, subjects) with what the webhook was last told.
CREATE TABLE public.alert_rules (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{2,62}$'),
    kind text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    params jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    repeat_interval interval NOT NULL DEFAULT '1 hour' CHECK (repeat_interval >= interval '1 minute'),
    silenced_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text,
    firing boolean NOT NULL DEFAULT false,
    since timestamptz,
    subjects jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(subjects) = 'array'),
    evaluated_at timestamptz,
    eval_error text,
    notified text CHECK (notified IN ('firing', 'resolved')),
    notified_subjects text[] NOT NULL DEFAULT '{}',
    last_firing_at timestamptz,
    last_notified_at timestamptz
);
COMMENT ON COLUMN public.alert_rules.kind IS 'What the rule watches (see pgcadence.alert_defaults for the kinds and their thresholds).';
COMMENT ON COLUMN public.alert_rules.params IS 'Thresholds that differ from the kind''s defaults, e.g. {"failures": 5, "window": "30 minutes"}.';
COMMENT ON COLUMN public.alert_rules.repeat_interval IS 'At most one "firing" notification per rule within this interval (default 1 hour).';
COMMENT ON COLUMN public.alert_rules.silenced_until IS 'No notification before this time; the state is still tracked.';
COMMENT ON COLUMN public.alert_rules.firing IS 'The condition held at the last evaluation.';
COMMENT ON COLUMN public.alert_rules.subjects IS 'What it held for at the last evaluation: [{"subject": …, "detail": …}].';
COMMENT ON COLUMN public.alert_rules.notified IS 'What the last notification said: firing or resolved (NULL: never notified).';
COMMENT ON COLUMN public.alert_rules.notified_subjects IS 'Subjects the last "firing" notification named (and that still hold).';

-- Every notification sent, and every change of a rule's condition that was not
-- announced (and why: silenced, rate limited, no webhook configured).
CREATE TABLE public.alert_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL CHECK (status IN ('firing', 'resolved')),
    delivery text NOT NULL CHECK (delivery IN ('sent', 'no_webhook', 'webhook_error', 'rate_limited', 'silenced', 'not_announced')),
    subjects jsonb NOT NULL DEFAULT '[]',
    summary text NOT NULL,
    request_id bigint,
    error text
);
COMMENT ON COLUMN public.alert_events.delivery IS
    'sent (request_id: the net.http_post request, its answer in net._http_response), no_webhook, webhook_error, rate_limited, silenced, not_announced (resolved before it was ever announced).';

-- pg_cron jobs the cron_job_overdue rule has seen, and since when: the reference time of
-- a job that never succeeded (pg_cron keeps no creation time).
CREATE TABLE pgcadence.alert_cron_seen (
    jobid bigint PRIMARY KEY,
    first_seen timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgcadence.alert_cron_seen IS
    'pg_cron jobs the overdue rule has seen and since when (reference time for jobs that never succeeded).';

-- ============================================================ indexes
CREATE INDEX alert_events_at_idx ON public.alert_events (at);
CREATE INDEX alert_events_rule_at_idx ON public.alert_events (rule, at DESC);

-- ============================================================ row level security
ALTER TABLE public.alert_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.alert_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgcadence.alert_cron_seen ENABLE ROW LEVEL SECURITY;  -- no policy: owner and definer functions only

-- ============================================================ data: the default rules, all enabled
INSERT INTO public.alert_rules (name, kind) VALUES
    ('task_failures', 'task_failures'),
    ('cron_job_failing', 'cron_job_failing'),
    ('cron_job_overdue', 'cron_job_overdue'),
    ('net_backlog', 'net_backlog'),
    ('queue_leases_expired', 'queue_leases_expired'),
    ('system_mandate_expiring', 'system_mandate_expiring'),
    ('vault_key_unreadable', 'vault_key_unreadable');
