"""Prometheus metrics: ``/metrics`` on its own listen address, served by ``pgcadence serve``.

- :mod:`.database` — what the database holds (queue, net, pg_cron, cache, mandate expiry,
  alerts), read from ``pgcadence.metrics()`` at scrape time, so every replica reports
  the same state;
- :mod:`.process` — what only this process knows (job durations, claims and completions
  per worker, executor requests and latency, cache tier latency), as counters and
  histograms, with the hooks the queue worker and the executor (its request log,
  executor/app.py) call;
- :mod:`.server` — the ``/metrics`` app and the background service that serves it.

docs/observability.md lists every metric.
"""
