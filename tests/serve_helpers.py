"""Running ``pgcadence serve`` as a real subprocess in tests, with its JSON log lines."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable

from port_for import get_port

from tests.conftest import CLI, ROOT


@dataclass
class Served:
    proc: subprocess.Popen
    url: str
    wait_for: Callable[..., dict]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_serve(db_url: str, *args: str, env: dict | None = None) -> Served:
    """``pgcadence serve --database db_url ARGS`` on a free port; returns once it listens."""
    port = get_port(None)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    full_env.update(env or {})
    proc = subprocess.Popen([*CLI, "serve", "--database", db_url, "--port", str(port), *args],
                            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    records: list[dict] = []

    def wait_for(pred, timeout: float = 60.0) -> dict:
        """The first log record matching ``pred``, whenever it came."""
        deadline = time.monotonic() + timeout
        while True:
            for rec in records:
                if pred(rec):
                    return rec
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("serve never logged the expected line") from None
            try:
                records.append(json.loads(line))
            except ValueError:
                continue

    served = Served(proc, f"http://127.0.0.1:{port}", wait_for)
    try:
        wait_for(lambda r: r.get("event") == "listening")
    except BaseException:
        served.stop()
        raise
    return served
