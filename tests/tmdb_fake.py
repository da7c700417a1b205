"""A TMDB-like API on 127.0.0.1 for the movie tests (fixtures in tests/fixtures/tmdb/).

    /movie/<id>                     the movie's document (404 for unknown ids)
    /movie/now_playing, /movie/popular, /trending/movie/week   ?page=N, 20 results a page

Every answer carries X-RateLimit-* headers; a request without the API key (Bearer or
?api_key=) gets 401 as TMDB answers. Tests steer it per path:

    fake.script("/movie/1003", (429, {"Retry-After": "1"}), (200,))   # next answers, in order
    fake.always("/movie/1007", 500)                                    # until cleared
    fake.always("/movie/1009", 200, delay=2.0)                         # slow
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tmdb"
PAGE = 20
LIST_FIELDS = ("id", "title", "original_title", "release_date", "popularity", "vote_average", "vote_count",
               "overview", "poster_path", "backdrop_path", "adult", "original_language")


class FakeTMDB:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.movies = {m["id"]: m for m in json.loads((FIXTURES / "movies.json").read_text())}
        self.lists = json.loads((FIXTURES / "lists.json").read_text())
        self.requests: list[dict] = []
        self._scripts: dict[str, list] = defaultdict(list)
        self._always: dict[str, tuple] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/3"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-tmdb", daemon=True)

    # -- control ---------------------------------------------------------------------
    def start(self) -> "FakeTMDB":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def script(self, path: str, *answers: tuple) -> None:
        """Answer the next requests for path with (status[, headers[, delay]]) in turn."""
        with self._lock:
            self._scripts[path].extend(answers)

    def always(self, path: str, status: int, headers: dict | None = None, delay: float = 0.0) -> None:
        with self._lock:
            self._always[path] = (status, headers or {}, delay)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._always.clear()
            self.requests.clear()

    def hits(self, path: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    # -- serving -----------------------------------------------------------------------
    def _answer(self, path: str, query: dict) -> tuple[int, dict, object, float]:
        with self._lock:
            if self._scripts.get(path):
                step = self._scripts[path].pop(0)
                status, headers, delay = (tuple(step) + ({}, 0.0))[:3]
                if status != 200:
                    return status, headers, {"status_code": status, "status_message": "scripted"}, delay
                return (*self._real(path, query)[:3], delay)
            if path in self._always:
                status, headers, delay = self._always[path]
                if status != 200:
                    return status, headers, {"status_code": status, "status_message": "always"}, delay
                return (*self._real(path, query)[:3], delay)
        return self._real(path, query)

    def _real(self, path: str, query: dict) -> tuple[int, dict, object, float]:
        if path.startswith("/movie/") and path[len("/movie/"):].isdigit():
            doc = self.movies.get(int(path[len("/movie/"):]))
            if doc is None:
                return 404, {}, {"status_code": 34, "status_message": "The resource you requested could not be found."}, 0.0
            return 200, {}, doc, 0.0
        if path in self.lists:
            ids = self.lists[path]
            page = int((query.get("page") or ["1"])[0])
            chunk = ids[(page - 1) * PAGE: page * PAGE]
            total_pages = max(1, -(-len(ids) // PAGE))
            results = [{k: self.movies[i][k] for k in LIST_FIELDS} for i in chunk]
            return 200, {}, {"page": page, "results": results, "total_pages": total_pages,
                             "total_results": len(ids)}, 0.0
        return 404, {}, {"status_code": 34, "status_message": "unknown endpoint"}, 0.0

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                path = parts.path[len("/3"):] if parts.path.startswith("/3/") else parts.path
                auth = self.headers.get("Authorization", "")
                with fake._lock:
                    fake.requests.append({"path": path, "query": {k: v[0] for k, v in query.items()},
                                          "at": time.monotonic(), "authorization": auth})
                if auth != f"Bearer {fake.api_key}" and (query.get("api_key") or [""])[0] != fake.api_key:
                    status, headers, body, delay = 401, {}, {"status_code": 7, "status_message": "Invalid API key"}, 0.0
                else:
                    status, headers, body, delay = fake._answer(path, query)
                if delay:
                    time.sleep(delay)
                raw = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(raw)))
                    self.send_header("X-RateLimit-Limit", "40")
                    self.send_header("X-RateLimit-Remaining", "39")
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        return Handler
