"""The pg_net-compatible sender end to end: real PostgreSQL, real HTTP on 127.0.0.1.

Every pg_net behaviour the sender is responsible for (docs/compat.md), plus what we do
better: crash of the sender, crash of PostgreSQL, a slow upstream next to fast ones, a
limit on response bodies.
The module runs its own cluster (it crashes it on purpose) and its own upstream.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from pgcadence import migrate
from pgcadence.net.sender import USER_AGENT
from tests.cluster import start_cluster
from tests.conftest import ROOT
from tests.net_helpers import DEADLINE, Upstream, WorkerThread, wait_for, wait_row


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def net_cluster():
    c = start_cluster()
    migrate.apply(c.url(), progress=lambda m: None)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def dsn(net_cluster) -> str:
    return net_cluster.url()


@pytest.fixture(scope="module")
def upstream():
    u = Upstream()
    yield u
    u.close()


@pytest.fixture
def db(dsn):
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def sender(dsn):
    w = WorkerThread(dsn)
    yield w
    w.close()


def one(conn, sql, *params):
    return conn.execute(sql, params).fetchone()


def crash_restart(cluster) -> None:
    """Stop PostgreSQL the way a crash does (immediate: no checkpoint) and start it again."""
    subprocess.run([cluster.executor.executable, "restart", "-D", str(cluster.base / "data"), "-m", "immediate",
                    "-w", "-l", str(cluster.base / "postgres.log")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- HTTP answers
def test_post_200_row_and_what_the_server_receives(db, sender, upstream):
    rid = one(db, "select net.http_post(%s, '{\"a\": 1, \"b\": [true]}', '{\"x\": \"1 2\"}')", upstream.url("/ok"))[0]
    row = wait_row(db, rid)
    assert row["status_code"] == 200
    assert row["content"] == "hello"
    assert row["content_type"] == "text/plain; charset=utf-8"
    assert row["headers"]["X-Dup"] == "last", "repeated headers: last value wins"
    assert row["headers"]["Content-Type"] == "text/plain; charset=utf-8", "header names as the server sent them"
    assert row["timed_out"] is False and row["error_msg"] is None
    seen = [s for s in upstream.seen if s.path.startswith("/ok?x=")][-1]
    assert seen.method == "POST" and seen.path == "/ok?x=1%202"
    assert seen.body == b'{"a": 1, "b": [true]}', "body is the jsonb text form"
    assert seen.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("pg_net/")
    assert seen.headers["Content-Type"] == "application/json"
    # the queue row left in the same transaction that wrote the response
    assert one(db, "select count(*) from net.http_request_queue where id = %s", rid)[0] == 0
    assert one(db, "select * from net._http_collect_response(%s)", rid) == (
        "SUCCESS", "ok", f"(200,\"{json.dumps(row['headers']).replace(chr(34), chr(34) * 2)}\",hello)")


def test_get_and_delete_are_sent_with_their_headers(db, sender, upstream):
    g = one(db, "select net.http_get(%s, headers => '{\"Authorization\": \"Bearer k\", \"X-N\": 5}')", upstream.url("/ok?tag=get"))[0]
    d = one(db, "select net.http_delete(%s, body => '{\"gone\": true}')", upstream.url("/ok?tag=del"))[0]
    bare = one(db, "select net.http_delete(%s)", upstream.url("/ok?tag=bare"))[0]
    assert {wait_row(db, i)["status_code"] for i in (g, d, bare)} == {200}
    get = [s for s in upstream.seen if s.path == "/ok?tag=get"][-1]
    dele = [s for s in upstream.seen if s.path == "/ok?tag=del"][-1]
    assert get.method == "GET" and get.body == b"" and get.headers["Authorization"] == "Bearer k"
    assert get.headers["X-N"] == "5" and "Content-Type" not in get.headers
    assert dele.method == "DELETE" and dele.body == b'{"gone": true}'
    # a DELETE without body carries no Content-Length, as libcurl sends it (pg_net)
    bare_seen = [s for s in upstream.seen if s.path == "/ok?tag=bare"][-1]
    assert bare_seen.body == b"" and "Content-Length" not in bare_seen.headers, bare_seen.headers


def test_4xx_and_5xx_are_rows_not_errors(db, sender, upstream):
    r404 = one(db, "select net.http_get(%s)", upstream.url("/status?code=404"))[0]
    r503 = one(db, "select net.http_get(%s)", upstream.url("/status?code=503"))[0]
    for rid, code in ((r404, 404), (r503, 503)):
        row = wait_row(db, rid)
        assert (row["status_code"], row["content"], row["timed_out"], row["error_msg"]) == (code, f"status {code}", False, None)
    status, message, response = one(db, "select (r).status, (r).message, (r).response::text"
                                        " from net._http_collect_response(%s, false) r", r503)
    assert (status, message) == ("SUCCESS", "ok") and response.startswith("(503,") and response.endswith(",\"status 503\")")


def test_204_has_null_content(db, sender, upstream):
    row = wait_row(db, one(db, "select net.http_get(%s)", upstream.url("/status?code=204"))[0])
    assert row["status_code"] == 204 and row["content"] is None and row["content_type"] is None


# ---------------------------------------------------------------- failures
def test_refused_port(db, sender):
    rid = one(db, "select net.http_get(%s)", f"http://127.0.0.1:{free_port()}/ok")[0]
    row = wait_row(db, rid)
    assert row == {"id": rid, "status_code": None, "content_type": None, "headers": None, "content": None,
                   "timed_out": False, "error_msg": "Couldn't connect to server"}
    assert one(db, "select * from net._http_collect_response(%s)", rid) == ("ERROR", "Couldn't connect to server", None)


def test_unresolvable_host(db, sender):
    rid = one(db, "select net.http_get('http://no-such-host.invalid/x', timeout_milliseconds => 20000)")[0]
    row = wait_row(db, rid)
    assert row["error_msg"] == "Couldn't resolve host name" and row["status_code"] is None


def test_timeout_row(db, sender, upstream):
    rid = one(db, "select net.http_get(%s, timeout_milliseconds => 500)", upstream.url("/block?tag=timeout"))[0]
    row = wait_row(db, rid)
    assert row["timed_out"] is True and row["status_code"] is None and row["content"] is None
    assert re.fullmatch(
        r"Timeout of 500 ms reached\. Total time: \d+\.\d{6} ms \(DNS time: \d+\.\d{6} ms, "
        r"TCP/SSL handshake time: \d+\.\d{6} ms, HTTP Request/Response time: \d+\.\d{6} ms\)", row["error_msg"]
    ), row["error_msg"]
    total = float(re.search(r"Total time: ([\d.]+)", row["error_msg"]).group(1))
    assert total >= 500
    assert one(db, "select (r).status, (r).message from net._http_collect_response(%s) r", rid) == ("ERROR", row["error_msg"])


def test_no_timeout_is_capped_by_the_sender(db, dsn, upstream):
    """pg_net treats timeout_milliseconds <= 0 as 'no timeout'; the sender caps it (--max-timeout)."""
    w = WorkerThread(dsn, max_timeout_ms=300)
    try:
        rid = one(db, "select net.http_get(%s, timeout_milliseconds => 0)", upstream.url("/block?tag=notimeout"))[0]
        row = wait_row(db, rid)
    finally:
        w.close()
    assert row["timed_out"] is True and row["error_msg"].startswith("Timeout of 300 ms reached. Total time: ")


def test_rollback_sends_nothing(db, dsn, sender, upstream):
    with psycopg.connect(dsn) as c:  # a transaction that rolls back
        gone = one(c, "select net.http_post(%s)", upstream.url("/ok?tag=rolled-back"))[0]
        c.rollback()
    marker = one(db, "select net.http_post(%s)", upstream.url("/ok?tag=after-rollback"))[0]
    assert marker > gone, "the rolled-back id is consumed"
    wait_row(db, marker)
    time.sleep(0.5)  # give a wrongly sent request every chance to arrive
    assert upstream.count("rolled-back") == 0
    assert one(db, "select count(*) from net._http_response where id = %s", gone)[0] == 0
    assert one(db, "select * from net._http_collect_response(%s)", gone) == (
        "ERROR", "request matching request_id not found", None)


def test_collect_waits_for_the_answer(db, sender, upstream):
    rid = one(db, "select net.http_get(%s)", upstream.url("/block?tag=collect"))[0]
    upstream.arrived("collect").wait(DEADLINE)
    assert one(db, "select (r).status from net._http_collect_response(%s) r", rid)[0] == "ERROR"  # not there yet
    threading.Timer(0.3, upstream.release, args=("collect",)).start()
    status, message, body = one(db, "select (r).status, (r).message, ((r).response).body"
                                    " from net._http_collect_response(%s, async => false) r", rid)
    assert (status, message, body) == ("SUCCESS", "ok", "released collect")


def test_slow_upstream_does_not_hold_back_fast_ones(db, sender, upstream):
    with db.transaction():
        slow = one(db, "select net.http_get(%s)", upstream.url("/block?tag=slow"))[0]
        fast = [one(db, "select net.http_get(%s)", upstream.url(f"/ok?fast={i}"))[0] for i in range(20)]
    upstream.arrived("slow").wait(DEADLINE)
    for rid in fast:
        assert wait_row(db, rid)["status_code"] == 200
    assert one(db, "select count(*) from net._http_response where id = %s", slow)[0] == 0, \
        "the slow request is still in flight while every fast one is recorded"
    assert one(db, "select in_flight from pgcadence.net_status()")[0] >= 1
    upstream.release("slow")
    assert wait_row(db, slow)["content"] == "released slow"


def test_ttl_deletes_old_responses(db, sender):
    db.execute(
        "insert into net._http_response (id, status_code, created) values"
        " (-100, 200, now() - interval '7 hours'), (-101, 200, now() - interval '5 hours')")
    wait_for(lambda: one(db, "select count(*) from net._http_response where id = -100")[0] == 0,
             "the 7-hour-old response to be deleted")
    assert one(db, "select count(*) from net._http_response where id = -101")[0] == 1, "younger than 6 h: kept"
    db.execute("delete from net._http_response where id = -101")


def test_ttl_follows_the_pg_net_ttl_setting(db, dsn):
    db.execute("alter role current_user set pg_net.ttl = '2 hours'")
    try:
        w = WorkerThread(dsn)
        try:
            assert w.worker.ttl == "2 hours"
            db.execute("insert into net._http_response (id, status_code, created) values"
                       " (-200, 200, now() - interval '3 hours'), (-201, 200, now() - interval '1 hour')")
            wait_for(lambda: one(db, "select count(*) from net._http_response where id = -200")[0] == 0,
                     "the 3-hour-old response to be deleted under pg_net.ttl = 2 hours")
            assert one(db, "select count(*) from net._http_response where id = -201")[0] == 1
        finally:
            w.close()
    finally:
        db.execute("alter role current_user reset pg_net.ttl")
        db.execute("delete from net._http_response where id in (-200, -201)")


def test_troubleshooting_queries_and_status(db, dsn, sender, upstream):
    # the usual troubleshooting queries, as written
    assert one(db, "select count(*) pending from net.http_request_queue;")[0] >= 0
    assert one(db, "select count(*) responses from net._http_response;")[0] >= 0
    assert one(db, "select net.worker_restart();")[0] is True
    rid = one(db, "select net.http_get(%s)", upstream.url("/ok?tag=after-restart"))[0]
    assert wait_row(db, rid)["status_code"] == 200, "the sender carries on after worker_restart()"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    out = subprocess.run([sys.executable, "-m", "pgcadence", "net", "status", "-d", dsn],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^queued:\s+\d+$", out.stdout, re.M) and re.search(r"^senders:\s+1\b", out.stdout, re.M)
    assert re.search(r"^  200\s+\d+$", out.stdout, re.M), out.stdout


def test_two_senders_share_the_queue_without_duplicates(db, dsn, upstream):
    a, b = WorkerThread(dsn, batch_size=10), WorkerThread(dsn, batch_size=10)
    try:
        with db.transaction():
            ids = [r[0] for r in db.execute(
                "select net.http_get(%s || i) from generate_series(1, 300) i", (upstream.url("/ok?multi="),))]
        for rid in ids:
            wait_row(db, rid)
    finally:
        a.close()
        b.close()
    paths = [s.path for s in list(upstream.seen) if s.path.startswith("/ok?multi=")]
    assert sorted(paths) == sorted(f"/ok?multi={i}" for i in range(1, 301)), "each request sent exactly once"
    assert one(db, "select count(*) from net._http_response where id = any(%s)", ids)[0] == 300
    assert a.worker.stats.sent + b.worker.stats.sent == 300


# ---------------------------------------------------------------- crashes
def test_sender_killed_mid_flight_request_is_sent_again(db, dsn, upstream):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    proc = subprocess.Popen([sys.executable, "-m", "pgcadence", "net-worker", "-d", dsn, "--poll-interval", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rid = one(db, "select net.http_post(%s, '{\"job\": 1}')", upstream.url("/block?tag=killed"))[0]
        assert upstream.arrived("killed").wait(DEADLINE), "the first sender never sent it"
        proc.send_signal(signal.SIGKILL)
        proc.wait(DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    upstream.release("killed")
    assert one(db, "select count(*) from net._http_response where id = %s", rid)[0] == 0
    assert one(db, "select count(*) from net.http_request_queue where id = %s", rid)[0] == 1, "still queued"
    w = WorkerThread(dsn)
    try:
        row = wait_row(db, rid)
    finally:
        w.close()
    assert row["status_code"] == 200 and row["content"] == "released killed"
    assert upstream.count("tag=killed") == 2, "sent again: at least once"
    assert one(db, "select count(*) from net._http_response where id = %s", rid)[0] == 1, "recorded once"


def test_sigterm_gives_unfinished_requests_back(db, dsn, upstream):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    proc = subprocess.Popen([sys.executable, "-m", "pgcadence", "net-worker", "-d", dsn, "--shutdown-grace", "0.5"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        rid = one(db, "select net.http_get(%s)", upstream.url("/block?tag=sigterm"))[0]
        assert upstream.arrived("sigterm").wait(DEADLINE)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "gave 1 unfinished request(s) back to the queue" in err
    assert one(db, "select count(*) from pgcadence.net_claims where id = %s", rid)[0] == 0, "claim released at once"
    assert one(db, "select count(*) from net.http_request_queue where id = %s", rid)[0] == 1
    upstream.release("sigterm")
    w = WorkerThread(dsn)
    try:
        assert wait_row(db, rid)["content"] == "released sigterm"
    finally:
        w.close()


def test_postgres_crash_loses_nothing_and_the_sender_reconnects(net_cluster, dsn, upstream):
    w = WorkerThread(dsn)
    try:
        with psycopg.connect(dsn, autocommit=True) as c:
            in_flight = one(c, "select net.http_get(%s)", upstream.url("/block?tag=crash"))[0]
        assert upstream.arrived("crash").wait(DEADLINE)
        # crash PostgreSQL (immediate stop: no shutdown checkpoint) and start it again
        crash_restart(net_cluster)
        upstream.release("crash")  # answered while the sender is still reconnecting or just after
        with psycopg.connect(dsn, autocommit=True) as c:
            assert wait_row(c, in_flight)["content"] == "released crash", "the in-flight result is recorded after reconnecting"
            after = one(c, "select net.http_get(%s)", upstream.url("/ok?tag=after-crash"))[0]
            assert wait_row(c, after)["status_code"] == 200
            assert w.worker.stats.reconnects >= 1
    finally:
        w.close()
    # a queued request survives a crash with no sender running (pg_net's queue is UNLOGGED)
    with psycopg.connect(dsn, autocommit=True) as c:
        queued = one(c, "select net.http_get(%s)", upstream.url("/ok?tag=survivor"))[0]
    crash_restart(net_cluster)
    with psycopg.connect(dsn, autocommit=True) as c:
        assert one(c, "select count(*) from net.http_request_queue where id = %s", queued)[0] == 1
        w = WorkerThread(dsn)
        try:
            assert wait_row(c, queued)["status_code"] == 200
        finally:
            w.close()


# A real pg_cron tick through net.http_post to the executor: tests/test_ticks.py.


# ---------------------------------------------------------------- response body limit
def test_an_oversized_streamed_body_is_recorded_as_an_error_and_not_read_to_the_end(dsn, db, upstream):
    """A body with no Content-Length that never ends: the sender stops reading at the limit
    and records the error, as it would a timeout; the server sees it hang up."""
    w = WorkerThread(dsn, max_response_bytes=256 * 1024)
    try:
        big = one(db, "select net.http_get(%s)", upstream.url("/stream?tag=endless&bytes=endless"))[0]
        fits = one(db, "select net.http_get(%s)", upstream.url("/stream?tag=fits&bytes=200000"))[0]
        sized = one(db, "select net.http_get(%s)", upstream.url("/sized?bytes=300000"))[0]
        row = wait_row(db, big)
        assert row["status_code"] is None and row["content"] is None and row["timed_out"] is False
        assert row["error_msg"] == "Maximum file size exceeded (response body over 262144 bytes)"
        assert upstream.hung_up.setdefault("endless", threading.Event()).wait(DEADLINE), "still reading"
        assert upstream.streamed["endless"] < 64 * 1024 * 1024
        ok = wait_row(db, fits)
        assert ok["status_code"] == 200 and len(ok["content"]) == 200000 and ok["error_msg"] is None
        announced = wait_row(db, sized)  # refused on its Content-Length
        assert announced["status_code"] is None and announced["error_msg"].startswith("Maximum file size exceeded")
    finally:
        w.close()


def test_the_body_limit_comes_from_the_environment(dsn, monkeypatch):
    from pgcadence.net.sender import DEFAULT_MAX_RESPONSE_BYTES, MAX_RESPONSE_ENV, NetWorker

    assert NetWorker(dsn).max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    monkeypatch.setenv(MAX_RESPONSE_ENV, "4096")
    assert NetWorker(dsn).max_response_bytes == 4096
    monkeypatch.setenv(MAX_RESPONSE_ENV, "lots")
    with pytest.raises(ValueError, match=MAX_RESPONSE_ENV):
        NetWorker(dsn)
