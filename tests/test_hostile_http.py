"""Hostile HTTP input gets one clear 4xx in the executor's error shape, never a 5xx:
JSON nested 100,000 deep, numbers with 5,000 digits, NaN, lone surrogates, NUL
characters, out-of-range integers, wrong methods, a malformed Content-Length."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid

import httpx
import psycopg
import pytest
import uvicorn
from port_for import get_port

from pgcadence.executor import auth, keys
from pgcadence.executor.app import Settings, create_app
from pgcadence.executor.config import ExecutorConfig
from pgcadence.executor.protocol import JsonErrorH11Protocol
from pgcadence.executor import load_builtin
from tests.keys_helpers import project_keys

ADMIN = str(uuid.uuid4())


@pytest.fixture(scope="module")
def hostile_db(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("insert into public.profiles (id, role) values (%s, 'admin')", (ADMIN,))
        conn.execute("select public.register_job_handler('hostile_echo', 'test')")
    with project_keys(db_url):
        yield db_url
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("select pgcadence.cron_unschedule(m.jobname) from pgcadence.cron_job_meta m "
                     "where m.task_type = 'hostile_echo'")
        conn.execute("delete from public.profiles where id = %s", (ADMIN,))
        conn.execute("delete from public.job_handlers where task_type = 'hostile_echo'")


@pytest.fixture(scope="module")
def http(hostile_db):
    """The executor with every built-in function, behind uvicorn with the JSON-error protocol."""
    settings = Settings(dsn=hostile_db, registry=load_builtin(), config=ExecutorConfig(), request_timeout=30)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=get_port(None),
                                        log_config=None, access_log=False, http=JsonErrorH11Protocol))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    with psycopg.connect(hostile_db, autocommit=True) as conn:
        secret = keys.get_secret(conn, keys.JWT_SECRET)
        project = keys.project_keys(conn)
    with httpx.Client(base_url=f"http://127.0.0.1:{srv.config.port}", timeout=30) as client:
        client.port = srv.config.port
        client.tokens = {"admin": auth.mint(secret, "authenticated", sub=ADMIN),
                         "anon": project[keys.ANON_KEY], "service": project[keys.SERVICE_ROLE_KEY]}
        yield client
    srv.should_exit = True
    thread.join(timeout=30)


def _h(client, who: str = "admin") -> dict:
    return {"Authorization": f"Bearer {client.tokens[who]}", "Content-Type": "application/json"}


def _one_clear_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "message"} and body["error"] == code, body
    assert body["message"] and "\n" not in body["message"], body
    return body


CREATE = "/api/admin/cron-jobs/create"


@pytest.mark.parametrize("raw,code,says", [
    (b"[" * 100_000 + b"]" * 100_000, "invalid_json", "nested deeper than"),
    (b'{"jobName": ' + b"7" * 5000 + b"}", "invalid_json", "5000 characters"),
    (b'{"jobName": NaN}', "invalid_json", "NaN"),
    (b'{"jobName": 1e999}', "invalid_json", "out of range"),
    (b'{"jobName": "\\ud800"}', "invalid_input", "'jobName' contains an unpaired UTF-16 surrogate"),
    (b'{"jobName": "a\\u0000b", "schedule": "0 * * * *", "taskType": "hostile_echo"}', "invalid_input",
     "'jobName' contains a NUL character"),
    (b'{"jobName": "nul_sched", "schedule": "0 * * * *\\u0000", "taskType": "hostile_echo"}', "invalid_input",
     "'schedule' contains a NUL character"),
    (b'{"jobName": "nul_tz", "schedule": "0 * * * *", "taskType": "hostile_echo", "timezone": "UTC\\u0000"}',
     "invalid_input", "'timezone' contains a NUL character"),
    (b'{"jobName": "nested_nul", "schedule": "0 * * * *", "taskType": "hostile_echo", "payload": {"a": [{"b\\u0000": 1}]}}',
     "invalid_input", "a key of 'payload.a[0]' contains a NUL character"),
    (b"\xff\xfe{}", "invalid_json", "not UTF-8"),
])
def test_hostile_bodies_are_400(http, raw, code, says):
    r = http.post(CREATE, content=raw, headers=_h(http))
    assert says in _one_clear_error(r, 400, code)["message"]


@pytest.mark.parametrize("field,value", [("maxAttempts", 2**31), ("maxAttempts", -(2**31) - 1), ("maxAttempts", 10**30)])
def test_out_of_range_integers_name_the_field(http, hostile_db, field, value):
    body = {"jobName": "range_job", "schedule": "0 * * * *", "taskType": "hostile_echo", field: value}
    r = http.post(CREATE, json=body, headers=_h(http))
    assert f"'{field}' is out of range" in _one_clear_error(r, 400, "invalid_input")["message"]
    with psycopg.connect(hostile_db) as conn:
        assert conn.execute("select count(*) from cron.job where jobname = 'range_job'").fetchone()[0] == 0


@pytest.mark.parametrize("query", [{"limit": "99999999999"}, {"limit": "1e3"}, {"job": "a\x00b"}])
def test_admin_list_query_strings(http, query):
    r = http.get("/api/admin/cron-jobs", params=query, headers=_h(http))
    _one_clear_error(r, 400, "invalid_input")


def test_wrong_method_is_405_with_allow(http):
    for method in ("GET", "PUT", "DELETE"):
        r = http.request(method, "/functions/v1/cleanup-sessions", headers=_h(http, "anon"))
        body = _one_clear_error(r, 405, "method_not_allowed")
        assert r.headers["allow"] == "POST" and "cleanup-sessions" in body["message"]
    r = http.request("PUT", CREATE, headers=_h(http))
    _one_clear_error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"
    r = http.get("/functions/v1/no-such-function", headers=_h(http))
    _one_clear_error(r, 404, "function_not_found")


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1, 2", b"0x10"])
def test_malformed_content_length_gets_json(http, length):
    with socket.create_connection(("127.0.0.1", http.port), timeout=10) as s:
        s.sendall(b"POST /functions/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head.lower(), data
    assert json.loads(body)["error"] == "bad_request"
