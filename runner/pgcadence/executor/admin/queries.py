"""Every SQL statement the admin console runs, in one place. The functions live in
sql/admin/ (the console's own), sql/cron/ and sql/queue/ (the admin functions a SQL-editor
user calls too); each checks that the caller is an admin."""

# sign-in (as service_role, like an auth server)
SESSION_GET = "select * from pgcadence.admin_session_get(%s)"
SESSION_OPEN = "select * from pgcadence.admin_session_open(%s::uuid, 'jwt', %s, %s)"
SESSION_END = "select pgcadence.admin_session_end(%s)"
LOGIN_REDEEM = "select * from pgcadence.admin_login_redeem(%s, %s)"

# as the caller
IS_ADMIN = "select public.is_admin_user()"
OVERVIEW = "select public.admin_overview()"
CRON_JOBS = "select coalesce(jsonb_agg(to_jsonb(j) order by j.jobname), '[]'::jsonb) from public.get_cron_jobs() j"
CRON_RUNS = "select public.admin_cron_runs(%s, %s, %s, %s)"
CRON_RUN = "select public.admin_cron_run(%s)"
CRON_PREVIEW = "select public.admin_cron_preview(%s, %s)"
CRON_HEALTH = "select coalesce(jsonb_agg(to_jsonb(h)), '[]'::jsonb) from public.cron_health() h"
HANDLERS = "select coalesce(jsonb_agg(to_jsonb(h) order by h.task_type), '[]'::jsonb) from public.list_job_handlers() h"
JOBS = "select public.admin_queue_jobs(%s, %s, %s, %s, %s)"
JOB = "select public.job_queue_get(%s)"
JOB_TASK_TYPES = "select public.admin_queue_task_types()"
JOB_ENQUEUE = ("select public.job_queue_enqueue(task_type => %s, payload => %s::jsonb, "
               "run_at => now() + make_interval(secs => %s), max_attempts => %s, priority => %s)")
JOB_RETRY = "select public.job_queue_retry(%s)"
JOB_CANCEL = "select public.job_queue_cancel(%s)"
JOB_RUN_NOW = "select public.admin_queue_run_now(%s)"
JOB_BULK = "select public.admin_queue_bulk(%s, %s, %s, %s, %s)"
QUEUE_METRICS = "select public.admin_queue_metrics()"
QUEUE_PAUSE = "select public.job_queue_pause()"
QUEUE_RESUME = "select public.job_queue_resume()"
AUDIT = "select public.admin_audit(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
AUDIT_FACETS = "select public.admin_audit_facets()"
NET = "select public.admin_net(%s, %s, %s)"
NET_REQUEST = "select public.admin_net_request(%s)"
CACHES = "select public.admin_caches()"
