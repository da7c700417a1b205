"""Templates and what every console response carries: Jinja2 with autoescaping, the
formatting filters the pages share, and the security headers (a Content-Security-Policy
that allows no inline script or style, no framing, no referrer)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # a login link's token never leaves in a Referer; same-origin (not no-referrer) keeps the
    # Origin header of our own form posts, which the CSRF check compares
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

NAV = [("overview", "/admin", "Overview"), ("cron", "/admin/cron", "Cron jobs"),
       ("history", "/admin/cron/history", "Execution history"), ("jobs", "/admin/jobs", "Job queue"),
       ("audit", "/admin/audit", "Audit trail"), ("net", "/admin/net", "HTTP requests"),
       ("caches", "/admin/caches", "Caches")]


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# ------------------------------------------------------------------ filters
def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def fmt_time(value: Any) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM:SS UTC'."""
    t = _when(value)
    if t is None:
        return "—" if value in (None, "") else str(value)
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_duration_ms(value: Any) -> str:
    """Milliseconds as '850 ms', '2.4 s', '3m 05s' or '2h 03m'."""
    if value is None or value == "":
        return "—"
    ms = float(value)
    if ms < 1000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def fmt_seconds(value: Any) -> str:
    return "—" if value is None or value == "" else fmt_duration_ms(float(value) * 1000)


def fmt_ago(value: Any) -> str:
    """'5 s ago', '3 min ago', 'in 2 h' relative to now."""
    t = _when(value)
    if t is None:
        return "—"
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    delta = (datetime.now(timezone.utc) - t).total_seconds()
    future, delta = delta < 0, abs(delta)
    for limit, unit, size in ((60, "s", 1), (3600, "min", 60), (172800, "h", 3600), (float("inf"), "d", 86400)):
        if delta < limit:
            n = int(delta // size)
            return f"in {n} {unit}" if future else f"{n} {unit} ago"
    return "—"


def fmt_json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def fmt_bytes(value: Any) -> str:
    if value is None:
        return "—"
    n = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(value)


def fmt_percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f} %"


@pass_context
def live(context, name: str, interval: int | None = None) -> Markup:
    """``{{ live("jobs_table") }}``: the fragment ``_jobs_table.html`` with the page's
    variables, in the element the console's script refreshes (``?fragment=jobs_table``)."""
    inner = ENV.get_template(f"_{name}.html").render(context.get_all())
    every = f' data-interval="{int(interval)}"' if interval else ""
    return Markup(f'<div data-live="{escape(name)}"{every}>\n') + Markup(inner) + Markup("\n</div>")


ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(time=fmt_time, duration_ms=fmt_duration_ms, seconds=fmt_seconds, ago=fmt_ago, pretty=fmt_json,
                   bytes=fmt_bytes, percent=fmt_percent)
ENV.globals.update(nav=NAV, live=live)


def render(request: Request, template: str, context: dict | None = None, status: int = 200,
           headers: dict | None = None) -> HTMLResponse:
    """A page (or a fragment: templates starting with '_') with the security headers."""
    ctx = {"request": request, **(context or {})}
    html = ENV.get_template(template).render(ctx)
    return secure(HTMLResponse(html, status_code=status, headers=headers))
