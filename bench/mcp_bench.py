"""What one provider tool call costs through pgcadence's MCP client.

    .venv/bin/python -m bench.mcp_bench [--calls 200]

Against the SDK's own server on 127.0.0.1 (tests/fake_mcp.py, scp.search_providers,
no artificial delay), interleaved, same process:

* ``per-call session``: what pgcadence does — mcp_client.call_tool opens a streamable
  HTTP session per call (connect, initialize, tools/call, close), so a retry or a
  timeout never inherits a broken session;
* ``reused session``: one ClientSession kept open, tools/call only (the floor);
* ``mock``: mcp_tools.run in mock mode (USE_REAL_MCP=false).

Prints p50 / p95 in milliseconds. No database needed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time

from mcp import ClientSession

from pgcadence import mcp_client, mcp_tools
from tests.fake_mcp import FakeProvider, FakeServer


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


async def bench(calls: int, url: str) -> dict[str, list[float]]:
    settings = mcp_client.McpSettings(url=url, token="bench-token", timeout=30, retries=0, backoff=0)
    args = {"query": "Blackhawk Ski Club"}
    spec = mcp_tools.ToolSpec("scp.search_providers", "search_provider", True, False, ["scp:find_programs"])
    out: dict[str, list[float]] = {"per-call session": [], "reused session": [], "mock": []}
    async with mcp_client._transport(settings, {"Authorization": "Bearer bench-token", "X-Mandate-JWS": "x"}) as (
            read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            for _ in range(calls):
                t0 = time.perf_counter()
                await mcp_client.call_tool(settings, "scp.search_providers", args, "x")
                out["per-call session"].append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                await session.call_tool("scp.search_providers", args)
                out["reused session"].append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                await mcp_tools.run(mcp_tools.McpMode(use_real=False), spec, args, None)
                out["mock"].append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    opts = ap.parse_args()
    logging.getLogger("pgcadence").setLevel(logging.WARNING)
    fake = FakeProvider(token="bench-token", public_key_pem="", password="x")
    with FakeServer(fake) as url:
        import tests.fake_mcp as fm

        fm.jwt.decode = lambda *a, **k: {}  # the bench sends no real mandate
        results = asyncio.run(bench(opts.calls, url))
    print(f"{opts.calls} calls each, interleaved (ms)")
    print(f"{'path':<18} {'p50':>8} {'p95':>8} {'mean':>8}")
    for name, xs in results.items():
        print(f"{name:<18} {_pct(xs, .5):8.2f} {_pct(xs, .95):8.2f} {statistics.mean(xs):8.2f}")


if __name__ == "__main__":
    main()
