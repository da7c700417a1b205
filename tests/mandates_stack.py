"""The stack the mandates and signup-flow tests share: ``pgcadence serve`` in a subprocess
(its stderr, JSON log lines, kept in a file) and helpers to call it and the database."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psycopg

from pgcadence import vault
from pgcadence.executor import auth, keys
from tests.conftest import CLI, ROOT


class Serve:
    """``pgcadence serve`` in a subprocess, its stderr (JSON log lines) kept in a file."""

    def __init__(self, dsn: str, port: int, env: dict, log: Path) -> None:
        self.dsn, self.port, self.env, self.log = dsn, port, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("a")
        self.proc = subprocess.Popen([*CLI, "serve", "--database", self.dsn, "--port", str(self.port)],
                                     cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=out, text=True)
        out.close()
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, f"serve exited: {self.log.read_text()[-2000:]}"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not come up"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                assert self.proc.wait(timeout=60) == 0
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Stack:
    def __init__(self, dsn, serve, fake, key_file, project, tmp) -> None:
        self.dsn, self.serve, self.fake, self.key_file, self.project, self.tmp = dsn, serve, fake, key_file, project, tmp

    def call(self, name: str, body=None, token: str | None = "service", timeout: float = 120,
             headers: dict | None = None, content: bytes | None = None) -> httpx.Response:
        """POST a function: ``token`` "service" (the service key), "anon", a JWT, or None."""
        headers = dict(headers or {})
        token = {"service": self.project[keys.SERVICE_ROLE_KEY], "anon": self.project[keys.ANON_KEY]}.get(token, token)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if content is not None:
            return httpx.post(f"{self.serve.url}/functions/v1/{name}", content=content,
                              headers={"Content-Type": "application/json", **headers}, timeout=timeout)
        return httpx.post(f"{self.serve.url}/functions/v1/{name}", json=body, headers=headers, timeout=timeout)

    def get(self, name: str, params=None, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(f"{self.serve.url}/functions/v1/{name}", params=params, headers=headers, timeout=60)

    def user_token(self, sub: str) -> str:
        return auth.mint(self.project["secret"], "authenticated", sub=sub)

    def sql(self, query: str, params=None):
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def set_secret(self, name: str, value: str) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            vault.set_secret(conn, name, value)

    def drop_secret(self, *names: str) -> None:
        self.sql("delete from vault.secrets where name = any(%s) returning 1", (list(names),))

    def log_records(self) -> list[dict]:
        """The JSON records serve wrote so far."""
        out = []
        for line in self.serve.log.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out
