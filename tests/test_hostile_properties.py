"""Property-based tests (hypothesis): generated hostile input thrown at the cron management
functions (SQL, as an admin) and at the executor's JSON routes (HTTP). Whatever comes in:
a rejected call changes nothing, no answer is a 5xx, every error is one clear line."""

from __future__ import annotations

import json
import threading
import time
import uuid

import httpx
import psycopg
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings, strategies as st
from port_for import get_port

from pgcadence.executor import auth, keys
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.config import ExecutorConfig
from pgcadence.executor.protocol import JsonErrorH11Protocol
from pgcadence.executor import load_builtin
from tests.keys_helpers import project_keys

ADMIN = str(uuid.uuid4())
HANDLER = "prop_echo"
CLAIMS = json.dumps({"sub": ADMIN, "role": "authenticated"})
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# text the way an attacker writes it: SQL syntax, quotes, unicode, control characters, long runs
_ATOMS = ["'", '"', ";", "--", "/*", "*/", "$$", "%s", "%I", "\\", "\n", "\t", " ", "*", "/", "-", ",", "?", "#",
          "L", "W", "@hourly", "0", "59", "60", "24", "*/0", "pgcadence_", "cron_history_cleanup", "DROP TABLE x",
          "ünï", "🙂", "٠", "０", "\u202e", "\x7f", "Europe/Berlin", "America/Los_Angeles", HANDLER]
hostile_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_ATOMS), max_size=12).map("".join),
    st.text(alphabet="0123456789*/,- ", max_size=30),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "* ", "A/", "0"]), st.integers(1, 3000)),
).map(lambda s: s.replace("\x00", ""))  # psycopg cannot send NUL; the HTTP layer refuses it (tested below)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                         st.floats(allow_nan=False, allow_infinity=False), hostile_text)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                                 st.dictionaries(hostile_text, inner, max_size=4)),
                           max_leaves=20)


@pytest.fixture(scope="module")
def prop_db(db_url):
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("insert into public.profiles (id, role) values (%s, 'admin')", (ADMIN,))
        c.execute("select public.register_job_handler(%s, 'hypothesis')", (HANDLER,))
        # these tests send thousands of requests a minute on purpose
        for fn in ("admin-cron-jobs", "admin-cron-jobs-create", "admin-cron-jobs-toggle", "admin-cron-jobs-schedule",
                   "admin-cron-jobs-delete", "admin-cron-jobs-run", "echo"):
            c.execute("select pgcadence.set_rate_limit(%s, 100000, 100000)", (fn,))
    with project_keys(db_url):
        yield db_url
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("select pgcadence.cron_unschedule(m.jobname) from pgcadence.cron_job_meta m where m.task_type = %s",
                  (HANDLER,))
        c.execute("delete from public.profiles where id = %s", (ADMIN,))
        c.execute("delete from public.job_handlers where task_type = %s", (HANDLER,))
        c.execute("delete from pgcadence.rate_limits where function_name <> '*'")


def _state(c) -> tuple:
    return (c.execute("select coalesce(jsonb_agg(to_jsonb(j) order by jobid), '[]') from "
                      "(select jobid, jobname, schedule, command, active from cron.job) j").fetchone()[0],
            c.execute("select coalesce(jsonb_agg(to_jsonb(m) order by jobname), '[]') from pgcadence.cron_job_meta m").fetchone()[0],
            c.execute("select count(*) from public.job_queue").fetchone()[0])


def _as_admin(c, sql: str, params: tuple):
    with c.transaction():
        c.execute("set local role authenticated")
        c.execute("select set_config('request.jwt.claims', %s, true)", (CLAIMS,))
        return c.execute(sql, params).fetchall()


def _one_line(msg: str | None) -> None:
    assert msg and "\n" not in msg.strip() and len(msg) < 2000, msg


# ------------------------------------------------------------------ SQL
@SETTINGS
@given(name=hostile_text, schedule=hostile_text, task=st.one_of(st.just(HANDLER), hostile_text),
       payload=json_values, attempts=st.integers(-(2**31), 2**31 - 1), tz=st.one_of(st.none(), hostile_text))
def test_create_cron_job_rejects_cleanly(prop_db, name, schedule, task, payload, attempts, tz):
    with psycopg.connect(prop_db, autocommit=True) as c:
        before = _state(c)
        try:
            _as_admin(c, "select public.create_cron_job(%s, %s, %s, %s::jsonb, %s::integer, %s)",
                      (name, schedule, task, json.dumps(payload), attempts, tz))
        except psycopg.Error as exc:
            assert exc.sqlstate[:2] in ("22", "23", "42", "P0"), (exc.sqlstate, str(exc))
            _one_line(exc.diag.message_primary)
            assert _state(c) == before
            return
        # accepted: it was valid; it is an admin job, and it goes again
        assert name.startswith(tuple("abcdefghijklmnopqrstuvwxyz")) and not name.startswith("pgcadence_")
        c.execute("select pgcadence.cron_unschedule(%s)", (name,))


@SETTINGS
@given(call=st.sampled_from([
    ("select public.toggle_cron_job(%s, %s)", lambda a, b: (a, bool(len(b) % 2))),
    ("select public.update_cron_schedule(%s, %s)", lambda a, b: (a, b)),
    ("select public.update_cron_schedule(%s, '0 0 1 1 *', %s)", lambda a, b: (a, b)),
    ("select public.delete_cron_job(%s)", lambda a, b: (a,)),
    ("select * from public.run_cron_job_now(%s)", lambda a, b: (a,)),
    ("select * from public.get_cron_job_runs(5, %s)", lambda a, b: (a,)),
    ("select public.describe_cron_schedule(%s, %s)", lambda a, b: (a, b)),
]), a=st.one_of(st.sampled_from(["pgcadence_heartbeat", "cron_history_cleanup", "job_queue_worker"]), hostile_text),
    b=hostile_text)
def test_the_other_cron_functions_reject_cleanly(prop_db, call, a, b):
    sql, args = call
    with psycopg.connect(prop_db, autocommit=True) as c:
        before = _state(c)
        try:
            _as_admin(c, sql, args(a, b))
        except psycopg.Error as exc:
            assert exc.sqlstate[:2] in ("22", "23", "42", "P0"), (exc.sqlstate, str(exc))
            _one_line(exc.diag.message_primary)
            assert _state(c) == before
            return
        if "describe" not in sql:
            # only a job an admin created could have been changed; the standing jobs never are
            assert [r for r in _state(c)[0] if r["jobname"] in ("pgcadence_heartbeat", "cron_history_cleanup")] == \
                   [r for r in before[0] if r["jobname"] in ("pgcadence_heartbeat", "cron_history_cleanup")]


# ------------------------------------------------------------------ HTTP
@pytest.fixture(scope="module")
def http(prop_db):
    app = create_app(Settings(dsn=prop_db, registry=load_builtin(), config=ExecutorConfig(), request_timeout=30))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=get_port(None), log_config=None,
                                        access_log=False, http=JsonErrorH11Protocol))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    with psycopg.connect(prop_db) as c:
        token = auth.mint(keys.get_secret(c, keys.JWT_SECRET), "authenticated", sub=ADMIN)
    with httpx.Client(base_url=f"http://127.0.0.1:{srv.config.port}", timeout=30,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as client:
        yield client
    srv.should_exit = True
    thread.join(timeout=30)


ROUTES = ["/api/admin/cron-jobs/create", "/api/admin/cron-jobs/toggle", "/api/admin/cron-jobs/schedule",
          "/api/admin/cron-jobs/delete", "/api/admin/cron-jobs/run", "/functions/v1/echo"]
FIELDS = ["jobName", "schedule", "taskType", "payload", "maxAttempts", "timezone", "active"]
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({}, optional={f: st.one_of(json_values, st.just(HANDLER)) for f in FIELDS})
      .map(lambda d: json.dumps(d).encode()),
    # what json.dumps never writes: NUL in strings, lone surrogates, NaN, deep nesting, huge numbers, bad bytes
    st.sampled_from(['{"jobName": "a\\u0000"}', '{"jobName": "\\udc00"}', '{"maxAttempts": NaN}',
                     '{"maxAttempts": ' + "9" * 5000 + "}", "[" * 5000 + "]" * 5000, '{"a": 1e999}',
                     '{"jobName": "x", }', "\ufeff{}"]).map(str.encode),
    st.binary(max_size=200),
)


@SETTINGS
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_json_routes_never_5xx_and_rejected_calls_change_nothing(prop_db, http, route, body):
    with psycopg.connect(prop_db, autocommit=True) as c:
        before = _state(c)
        r = http.post(route, content=body)
        assert r.status_code < 500, (route, body[:200], r.text[:500])
        if r.status_code >= 400:
            err = r.json()
            assert set(err) == {"error", "message"} and err["error"], err
            _one_line(err["message"])
            assert _state(c) == before
        elif route.endswith("/create"):
            c.execute("select pgcadence.cron_unschedule(%s)", (json.loads(body)["jobName"],))
