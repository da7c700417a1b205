"""Every SQL function the runner calls, named once, with the argument types it passes.

A call site puts the call from here into its statement::

    from pgcadence import queries as q

    conn.execute(f"SELECT {q.JOB_QUEUE_CANCEL}", (job_id,))

``str(q.JOB_QUEUE_CANCEL)`` is the call with one typed placeholder per argument
(``public.job_queue_cancel(%s::uuid)``), so the runner passes exactly the types written
here, and tests/test_queries.py proves that every call below resolves to a function of a
freshly migrated database (and that no module of the package spells a call of its own).

Adding a call is one line: ``NAME = call("schema.function(type, type, name => type)")``.
A ``name => type`` argument is passed by name (for functions whose middle arguments
keep their defaults).
"""

from __future__ import annotations

import re

_SIGNATURE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_NAMED = re.compile(r"^([a-z_][a-z0-9_]*)\s*=>\s*(.+)$", re.IGNORECASE)


class Call(str):
    """A function call as SQL text with ``%s::type`` placeholders (it *is* that text)."""

    name: str  # schema.function
    args: tuple[tuple[str | None, str], ...]  # (argument name or None, type), in call order

    def __new__(cls, signature: str) -> "Call":
        m = _SIGNATURE.match(signature)
        if not m:
            raise ValueError(f"not a call signature: {signature!r} (expected 'schema.function(type, ...)')")
        args: list[tuple[str | None, str]] = []
        for part in (p.strip() for p in m.group(3).split(",") if p.strip()):
            named = _NAMED.match(part)
            args.append((named.group(1), named.group(2).strip()) if named else (None, part))
        rendered = ", ".join(f"{n} => %s::{t}" if n else f"%s::{t}" for n, t in args)
        self = super().__new__(cls, f"{m.group(1)}.{m.group(2)}({rendered})")
        self.name = f"{m.group(1)}.{m.group(2)}"
        self.args = tuple(args)
        return self

    def of(self, *exprs: str) -> str:
        """The call on SQL expressions (column names …) instead of placeholders, each cast
        to its type: ``q.CACHE_GET.of("p.project_name", "c.cache_type")``."""
        if len(exprs) != len(self.args):
            raise TypeError(f"{self.name} takes {len(self.args)} argument(s), not {len(exprs)}")
        return f"{self.name}(" + ", ".join(f"{n} => ({e})::{t}" if n else f"({e})::{t}"
                                           for (n, t), e in zip(self.args, exprs)) + ")"

    @property
    def probe(self) -> str:
        """The call with typed NULLs instead of placeholders: what the test prepares."""
        return f"{self.name}(" + ", ".join(f"{n} => NULL::{t}" if n else f"NULL::{t}" for n, t in self.args) + ")"

    @property
    def regprocedure(self) -> str:
        """``schema.function(types)`` for ``to_regprocedure()``: is this function installed
        here? (Only meaningful for calls that pass every argument, positionally.)"""
        return f"{self.name}(" + ", ".join(t for _, t in self.args) + ")"


def call(signature: str) -> Call:
    return Call(signature)


# ---------------------------------------------------------------- base (sql/base/)
MODULE_UNCONFIGURED = call("pgcadence.module_unconfigured(text)")

# ---------------------------------------------------------------- Vault (sql/vault/; the real supabase_vault has the first two)
VAULT_CREATE_SECRET = call("vault.create_secret(text, new_name => text, new_description => text)")
VAULT_UPDATE_SECRET = call("vault.update_secret(uuid, new_secret => text, new_description => text)")
VAULT_KEY_FILE = call("vault._key_file()")
VAULT_KEY_FILE_DIGEST = call("vault._key_file_digest()")
VAULT_KEYS = call("vault._keys()")
VAULT_REENCRYPT_ALL = call("vault._reencrypt_all(uuid)")

# ---------------------------------------------------------------- net sender (sql/net/sender.sql)
NET_LOCK_CLASS = call("pgcadence.net_lock_class()")
NET_CLAIM = call("pgcadence.net_claim(integer, integer, integer)")
NET_COMPLETE = call("pgcadence.net_complete(bigint[], integer[], text[], text[], text[], boolean[], text[])")
NET_RELEASE = call("pgcadence.net_release(integer, bigint[])")
NET_MAINTAIN = call("pgcadence.net_maintain(interval)")
NET_STATUS = call("pgcadence.net_status()")
NET_OUTCOMES = call("pgcadence.net_outcomes(interval)")

# ---------------------------------------------------------------- job queue (sql/queue/)
JOB_QUEUE_ENQUEUE = call("public.job_queue_enqueue(text, jsonb, timestamptz, integer, integer, text)")
JOB_QUEUE_LIST = call("public.job_queue_list(text, text, integer)")
JOB_QUEUE_GET = call("public.job_queue_get(uuid)")
JOB_QUEUE_RETRY = call("public.job_queue_retry(uuid, integer)")
JOB_QUEUE_CANCEL = call("public.job_queue_cancel(uuid)")
JOB_QUEUE_PAUSE = call("public.job_queue_pause()")
JOB_QUEUE_RESUME = call("public.job_queue_resume()")
JOB_QUEUE_PAUSED = call("public.job_queue_paused()")
JOB_QUEUE_NEXT_RUN_AT = call("public.job_queue_next_run_at()")
JOB_QUEUE_CLEANUP = call("public.job_queue_cleanup(interval, text[])")
# what queue/worker.py calls (its statements are spelled there until the worker rewrite lands)
JOB_QUEUE_CLAIM = call("public.job_queue_claim(integer, text, interval)")
JOB_QUEUE_COMPLETE = call("public.job_queue_complete(uuid, jsonb, integer)")
JOB_QUEUE_COMPLETE_BATCH = call("public.job_queue_complete_batch(uuid[], integer[], jsonb[])")
JOB_QUEUE_FAIL = call("public.job_queue_fail(uuid, text, integer)")
JOB_QUEUE_HEARTBEAT = call("public.job_queue_heartbeat(uuid, interval, integer)")
JOB_QUEUE_RELEASE = call("public.job_queue_release(uuid, integer, text)")
REGISTER_JOB_HANDLER = call("public.register_job_handler(text, text)")

# ---------------------------------------------------------------- cron management (sql/cron/)
GET_CRON_JOBS = call("public.get_cron_jobs()")
GET_CRON_JOB_RUNS = call("public.get_cron_job_runs(integer, text)")
CREATE_CRON_JOB = call("public.create_cron_job(text, text, text, jsonb, integer, text)")
TOGGLE_CRON_JOB = call("public.toggle_cron_job(text, boolean)")
UPDATE_CRON_SCHEDULE = call("public.update_cron_schedule(text, text, text)")
DELETE_CRON_JOB = call("public.delete_cron_job(text)")
RUN_CRON_JOB_NOW = call("public.run_cron_job_now(text)")
DESCRIBE_CRON_SCHEDULE = call("public.describe_cron_schedule(text, text)")
CRON_NEXT_RUN = call("pgcadence.cron_next_run(text, text)")
CRON_HEALTH = call("public.cron_health()")

# ---------------------------------------------------------------- persistent cache (sql/cache/)
CACHE_PUT = call("public.cache_put(text, text, jsonb, timestamptz, timestamptz, interval)")
CACHE_GET = call("public.cache_get(text, text)")
CACHE_DUE_FOR_REFRESH = call("public.cache_due_for_refresh(text, text, interval)")
CACHE_PURGE = call("public.cache_purge(text, text)")
CACHE_RECORD_STATS = call("public.cache_record_stats(text, text, jsonb)")
CACHE_CHECK_TYPE = call("pgcadence.cache_check_type(text)")
CACHE_PROJECT_ID = call("pgcadence.cache_project_id(text, boolean)")

# ---------------------------------------------------------------- movies (sql/movies/)
TMDB_CONFIG = call("public.tmdb_config()")
TMDB_CONFIGURE = call("public.tmdb_configure(base_url => text, requests_per_second => double precision, "
                      "timeout_ms => integer, auth_style => text, api_key_secret => text, max_retry_after_s => integer)")
TMDB_RATE_ACQUIRE = call("public.tmdb_rate_acquire()")
TMDB_LOG_CALL = call("public.tmdb_log_call(text, bigint, integer, jsonb, integer, text, boolean, integer)")
RECORD_MOVIE_FETCH = call("public.record_movie_fetch(bigint, text, integer, jsonb, jsonb, integer, text, boolean, integer)")
SCHEDULED_INGEST_PLAN = call("public.scheduled_ingest_plan(text, integer)")
INGEST_MOVIE_LIST = call("public.ingest_movie_list(jsonb, integer)")
LOG_SCHEDULED_INGESTION = call("public.log_scheduled_ingestion(text, integer, text, integer, integer, integer, integer, "
                               "jsonb, integer, timestamptz)")
ENQUEUE_STALE_MOVIES = call("public.enqueue_stale_movies(integer)")

# ---------------------------------------------------------------- game platform (sql/game_platform/)
GAME_PLATFORM_CONFIG = call("public.game_platform_config()")
GAME_PLATFORM_SYNC_WINDOW = call("public.game_platform_sync_window(uuid)")
GAME_PLATFORM_RECORD_ACTIVITY = call("public.game_platform_record_activity(jsonb, uuid, boolean)")
GAME_PLATFORM_COMPETITORS_TO_SWEEP = call("public.game_platform_competitors_to_sweep(integer, uuid)")
GAME_PLATFORM_STORE_TOTALS = call("public.game_platform_store_totals(uuid, jsonb, timestamptz)")

# ---------------------------------------------------------------- mandates, credentials, sessions (sql/mandates/)
LOG_AUDIT = call("public.log_audit(text, uuid, text, text, uuid, jsonb)")
LOG_AUDIT_USER = call("public.log_audit(text, uuid, p_metadata => jsonb)")
LOG_AUDIT_METADATA = call("public.log_audit(text, p_metadata => jsonb)")
STORE_CREDENTIAL = call("public.store_credential(uuid, uuid, text, text, bytea, text)")
RESEAL_CREDENTIAL = call("public.reseal_credential(uuid, bytea, text)")
ACCESS_CREDENTIAL = call("public.access_credential(uuid, jsonb)")
CACHE_WARM_PLAN = call("public.cache_warm_plan(text, text)")
RECORD_CACHE_WARM = call("public.record_cache_warm(text, text, jsonb, integer, text, uuid, uuid, text, interval, integer)")
SAVE_CHECKOUT_SESSION = call("public.save_checkout_session(text, jsonb, text)")
LOAD_CHECKOUT_SESSION = call("public.load_checkout_session(text)")
CLEANUP_EXPIRED_CHECKOUT_SESSIONS = call("public.cleanup_expired_checkout_sessions()")

# ---------------------------------------------------------------- the auth helpers PostgREST-style code reads
AUTH_ROLE = call("auth.role()")
AUTH_UID = call("auth.uid()")
