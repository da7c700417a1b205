"""Every SQL statement the admin console runs, in one place (``sql.NAME`` in the console's
modules). The functions they call are named in runner/pgcadence/queries.toml; they live
in sql/admin/ (the console's own), sql/cron/ and sql/queue/ (the admin functions a
SQL-editor user calls too), and each checks that the caller is an admin."""

from pgcadence import queries as q

# sign-in (as the executor's own connection, like an auth server)
SESSION_GET = f"select * from {q.ADMIN_SESSION_GET}"
SESSION_OPEN = f"select * from {q.ADMIN_SESSION_OPEN}"
SESSION_END = f"select {q.ADMIN_SESSION_END}"
LOGIN_REDEEM = f"select * from {q.ADMIN_LOGIN_REDEEM}"

# as the caller
IS_ADMIN = f"select {q.IS_ADMIN_USER}"
OVERVIEW = f"select {q.ADMIN_OVERVIEW}"
CRON_JOBS = f"select coalesce(jsonb_agg(to_jsonb(j) order by j.jobname), '[]'::jsonb) from {q.GET_CRON_JOBS} j"
CRON_PAGE = f"""
with j as materialized (select * from {q.GET_CRON_JOBS})
select (select coalesce(jsonb_agg(to_jsonb(j) order by j.jobname), '[]'::jsonb) from j),
       (select jsonb_build_object('total', count(*), 'active', count(*) filter (where j.active),
                                  'inactive', count(*) filter (where not j.active),
                                  'recent_failures', coalesce(sum(j.recent_failures), 0)) from j)
"""
CRON_RUNS = f"select {q.ADMIN_CRON_RUNS}"
CRON_RUN = f"select {q.ADMIN_CRON_RUN}"
CRON_PREVIEW = f"select {q.ADMIN_CRON_PREVIEW}"
CRON_HEALTH = f"select coalesce(jsonb_agg(to_jsonb(h)), '[]'::jsonb) from {q.CRON_HEALTH} h"
HANDLERS = f"select coalesce(jsonb_agg(to_jsonb(h) order by h.task_type), '[]'::jsonb) from {q.LIST_JOB_HANDLERS} h"
JOBS = f"select {q.ADMIN_QUEUE_JOBS}"
JOB = f"select {q.JOB_QUEUE_GET}"
JOB_TASK_TYPES = f"select {q.ADMIN_QUEUE_TASK_TYPES}"
# delay: seconds from now (the console's "run in N seconds")
JOB_ENQUEUE = "select " + q.JOB_QUEUE_ENQUEUE_NAMED.of("%s", "%s", "now() + make_interval(secs => %s)", "%s", "%s")
JOB_RETRY = f"select {q.JOB_QUEUE_RETRY_ONCE}"
JOB_CANCEL = f"select {q.JOB_QUEUE_CANCEL}"
JOB_RUN_NOW = f"select {q.ADMIN_QUEUE_RUN_NOW}"
JOB_BULK = f"select {q.ADMIN_QUEUE_BULK}"
QUEUE_METRICS = f"select {q.ADMIN_QUEUE_METRICS}"
QUEUE_PAUSE = f"select {q.JOB_QUEUE_PAUSE}"
QUEUE_RESUME = f"select {q.JOB_QUEUE_RESUME}"
AUDIT = f"select {q.ADMIN_AUDIT}"
AUDIT_FACETS = f"select {q.ADMIN_AUDIT_FACETS}"
NET = f"select {q.ADMIN_NET}"
NET_REQUEST = f"select {q.ADMIN_NET_REQUEST}"
CACHES = f"select {q.ADMIN_CACHES}"
