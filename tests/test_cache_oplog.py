"""The cache operation log: every write, import, purge and expiry of cache_storage leaves
an append-only row (who, when, project/type, size), readable by admins and service_role."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from pgcadence import migrate
from tests.conftest import run_cli

ADMIN = str(uuid.uuid4())
USER = str(uuid.uuid4())


def _as(conn, role: str, sub: str | None = None) -> None:
    conn.execute(f"set local role {role}")
    claims = {"role": role, **({"sub": sub} if sub else {})}
    conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))


@pytest.fixture
def project(migrated_url):
    name = f"oplog-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("insert into public.profiles (id, role) values (%s, 'admin'), (%s, 'user')", (ADMIN, USER))
    yield migrated_url, name
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("select public.cache_purge(%s)", (name,))
        c.execute("delete from public.profiles where id in (%s, %s)", (ADMIN, USER))


def _log(conn, name: str) -> list[tuple]:
    return conn.execute("select operation, cache_type, data_size, previous_size, actor_role "
                        "from public.cache_operation_log where project = %s order by id", (name,)).fetchall()


def test_writes_imports_purges_and_expiries_are_logged(project, tmp_path):
    url, name = project
    with psycopg.connect(url, autocommit=True) as c:
        with c.transaction():
            _as(c, "service_role")
            c.execute("select public.cache_put(%s, 'strava', '{\"a\": 1}'::jsonb)", (name,))
            c.execute("select public.cache_put(%s, 'strava', '{\"a\": 22}'::jsonb)", (name,))
            c.execute("select public.cache_put(%s, 'old', '{\"x\": 1}'::jsonb)", (name,))
        # a refresh merely enqueued is no operation on the document
        c.execute("update public.cache_storage c set refresh_enqueued_at = now() from public.projects p "
                  "where p.id = c.project_id and p.project_name = %s", (name,))
        f = tmp_path / "legacy.json"
        f.write_text(json.dumps({"fundraising": 1, "last_fetch": "2026-01-01T00:00:00Z"}))
        r = run_cli("cache", "import", name, "fundraising", str(f), "--database", url)
        assert r.returncode == 0, r.stderr
        with c.transaction():  # back-date the cache (the write trigger would stamp updated_at = now())
            c.execute("set local session_replication_role = replica")
            c.execute("update public.cache_storage c set retention_days = 1, updated_at = now() - interval '2 days' "
                      "from public.projects p where p.id = c.project_id and p.project_name = %s and c.cache_type = 'old'",
                      (name,))
        c.execute("select pgcadence.cache_cleanup()")
        c.execute("select public.cache_purge(%s, 'strava')", (name,))
        log = _log(c, name)
    ops = [(op, t) for op, t, *_ in log]
    assert ops == [("write", "strava"), ("write", "strava"), ("write", "old"), ("import", "fundraising"),
                   ("expire", "old"), ("purge", "strava")]
    assert log[0][2] > 0 and log[0][3] is None and log[1][3] == log[0][2]  # sizes: new, replaced
    assert log[5][2] is None and log[5][3] == log[1][2]
    assert {row[4] for row in log[:3]} == {"service_role"}


def test_the_log_is_append_only_and_readable_by_admins_and_service_role(project):
    url, name = project
    with psycopg.connect(url) as c:
        c.execute("select public.cache_put(%s, 'strava', '{\"a\": 1}'::jsonb)", (name,))
        c.commit()
        for sql in ("update public.cache_operation_log set operation = 'write'",
                    "delete from public.cache_operation_log", "truncate public.cache_operation_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                c.execute(sql)
            c.rollback()
        with pytest.raises(psycopg.Error, match="younger than 30 days"):
            c.execute("select public.purge_cache_operation_log('1 day')")
        c.rollback()
        assert c.execute("select public.purge_cache_operation_log('30 days')").fetchone()[0] == 0
        c.rollback()
        seen = {}
        for who, role, sub in (("admin", "authenticated", ADMIN), ("user", "authenticated", USER),
                               ("service", "service_role", None)):
            with c.transaction():
                _as(c, role, sub)
                seen[who] = len(_log(c, name))
        assert seen == {"admin": 1, "user": 0, "service": 1}
        for role in ("authenticated", "service_role"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with c.transaction():
                    _as(c, role, ADMIN)
                    c.execute("insert into public.cache_operation_log (operation, project, cache_type, actor_role) "
                              "values ('write', 'forged', 'x', 'nobody')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with c.transaction():
                _as(c, "anon")
                _log(c, name)
    plan = migrate.rollback_plan(url, None)
    assert ("public.cache_operation_log" in dict(plan.protected))
